// Shared helpers for the libFuzzer targets.
#pragma once

#include <cstdio>
#include <cstdlib>

// A property violation: abort so that libFuzzer saves the input as a crash reproducer.
#define OPENNAP_FUZZ_CHECK(cond)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
