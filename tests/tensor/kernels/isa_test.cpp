// Run-time ISA selection (tensor/kernels/isa.h): names, the NOS_MAX_ISA ceiling, IsaCeiling.
#include "tensor/kernels/isa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace nos::kernels {
namespace {

TEST(kernels_isa, NamesRoundTrip) {
  for (Isa i : {Isa::generic, Isa::avx2, Isa::avx512}) EXPECT_EQ(parse_isa(isa_name(i)), i);
}

TEST(kernels_isa, BadNameNamesTheVariable) {
  try {
    parse_isa("avx3");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "NOS_MAX_ISA=avx3: expected one of generic, avx2, avx512");
  }
}

TEST(kernels_isa, SupportedIsasRunFromGenericToTheCpu) {
  const auto all = supported_isas();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), Isa::generic);
  EXPECT_EQ(all.back(), cpu_isa());
#if defined(__x86_64__)
  // The build targets x86-64-v3, so any CPU running it has AVX2.
  EXPECT_GE(cpu_isa(), Isa::avx2);
#endif
}

// ctest also runs this binary with NOS_MAX_ISA=avx2 and =generic (tests/tensor/kernels/CMakeLists.txt).
TEST(kernels_isa, EnvironmentCapsTheIsa) {
  const char* env = std::getenv("NOS_MAX_ISA");
  const Isa cap = env && *env ? parse_isa(env) : Isa::avx512;
  EXPECT_EQ(active_isa(), std::min(cpu_isa(), cap));
}

TEST(kernels_isa, CeilingCapsAndRestores) {
  const Isa before = active_isa();
  {
    IsaCeiling c(Isa::generic);
    EXPECT_EQ(active_isa(), Isa::generic);
    {
      IsaCeiling up(Isa::avx512);  // a ceiling never raises the ISA above the CPU's
      EXPECT_LE(active_isa(), cpu_isa());
    }
    EXPECT_EQ(active_isa(), Isa::generic);
  }
  EXPECT_EQ(active_isa(), before);
  EXPECT_NE(kernel_paths().find(std::string("kernel isa: ") + isa_name(before)), std::string::npos);
}

}  // namespace
}  // namespace nos::kernels
