import RCDaemon
print("redirect-catcher")
