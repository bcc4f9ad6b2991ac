// The OPENBLAS_CORETYPE trap, tested on a real process: OpenBLAS fixes its kernels when it loads,
// so only a fresh process shows whether nos lifted a forced core type.
#include "tensor/blas_env.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "tensor/threads.h"

namespace nos {
namespace {

std::string run(const std::string& env) {
  const std::string cmd = env + " " + NOS_INFO_BINARY + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "(popen failed)";
  std::array<char, 256> buf{};
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  pclose(p);
  return out;
}

TEST(BlasEnv, ForcedHaswellIsLiftedToTheCoreTypeTheCpuSupports) {
  if (best_blas_coretype().empty()) GTEST_SKIP() << "this CPU has no AVX-512: nothing to lift";
  EXPECT_NE(run("env OPENBLAS_CORETYPE=Haswell").find("openblas core: SkylakeX"), std::string::npos);
}

TEST(BlasEnv, KeepVariableLeavesTheForcedCoreType) {
  EXPECT_NE(run("env OPENBLAS_CORETYPE=Haswell NOS_KEEP_OPENBLAS_CORETYPE=1").find("openblas core: Haswell"),
            std::string::npos);
}

TEST(BlasEnv, AdviceNamesTheVariableAndTheWayOut) {
  if (best_blas_coretype().empty()) GTEST_SKIP() << "this CPU has no AVX-512";
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  const std::string advice = blas_coretype_advice();
  unsetenv("OPENBLAS_CORETYPE");
  EXPECT_NE(advice.find("OPENBLAS_CORETYPE=Haswell"), std::string::npos) << advice;
  EXPECT_NE(advice.find("NOS_KEEP_OPENBLAS_CORETYPE=1"), std::string::npos) << advice;
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  EXPECT_EQ(blas_coretype_advice(), "");
  unsetenv("OPENBLAS_CORETYPE");
}

TEST(Threads, NosThreadsIsReadAndCheckedWithItsName) {
  setenv("NOS_THREADS", "1", 1);
  EXPECT_EQ(init_threads_from_env(), 1);
  EXPECT_EQ(num_threads(), 1);
  setenv("NOS_THREADS", "two", 1);
  try {
    init_threads_from_env();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "NOS_THREADS='two': expected an integer from 1 to 4096");
  }
  unsetenv("NOS_THREADS");
  EXPECT_THROW(set_num_threads(0), std::invalid_argument);
}

}  // namespace
}  // namespace nos
