// The RCHTTP module.
