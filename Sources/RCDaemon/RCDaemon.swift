// The RCDaemon module.
