// The CPU a number was measured on, as the benchmarks and results documents name it: the model
// name, family and model (e.g. "AMD EPYC (family 25, model 1)"). A figure without its CPU means
// little: our machines differ (Zen 3 without AVX-512, Zen 4 and Zen 5 with it).
#pragma once
#include <string>

namespace nos {

// From /proc/cpuinfo's first processor; "unknown CPU" where it cannot be read.
std::string cpu_name();

}  // namespace nos
