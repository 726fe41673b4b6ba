// The RCOAuth module.
