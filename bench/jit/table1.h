// The sixteen update rules of the paper's Table 1, as the JIT benchmarks run them.
#pragma once

namespace nos::bench {

struct Rule {
  const char* name;
  const char* text;
};

inline constexpr Rule kTable1[] = {
    {"t1_01", "mul add exp mul sign_g sign_m clip4 g g"},
    {"t1_02", "mul clip4 m exp v"},
    {"t1_03", "mul m exp v"},
    {"t1_04", "mul g exp mul sign_g sign_m"},
    {"t1_05", "mul drop3 g exp mul sign_g sign_m"},
    {"t1_06", "mul m exp g2"},
    {"t1_07", "div drop1 m exp g2"},
    {"t1_08", "mul drop1 g exp mul sign_g sign_m"},
    {"t1_09", "add clip5 rmsprop drop3 m"},
    {"t1_10", "mul adam exp mul sign_g sign_m"},
    {"t1_11", "mul adam exp m"},
    {"t1_12", "add g drop3 m"},
    {"t1_13", "mul drop1 m exp g3"},
    {"t1_14", "sub g clip4 g2"},
    {"t1_15", "sub exp g exp m"},
    {"t1_16", "mul drop3 m exp w3"},
};

}  // namespace nos::bench
