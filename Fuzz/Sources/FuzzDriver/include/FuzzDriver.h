#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

/// Runs libFuzzer on this executable's LLVMFuzzerTestOneInput. SwiftPM points `main` at
/// `<module>_main` for every executable target, so libFuzzer's own `main` is never linked:
/// each target's `<module>_main` calls this instead.
int fuzz_driver_run(int argc, char **argv);

#endif
