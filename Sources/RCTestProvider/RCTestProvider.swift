// The RCTestProvider module.
