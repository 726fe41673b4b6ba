// The RCJSON module.
