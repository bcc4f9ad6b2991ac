// compile_kernel for a whole compiled rule: the kernel plus what the Optimizer needs of the rule.
#include "dslc/compile.h"
#include "jit/kernel.h"

namespace nos::jit {

Kernel compile_kernel(const dslc::Compiled& rule) {
  Kernel k = compile_kernel(rule.ir, rule.hash);
  k.canonical = rule.prefix;
  k.needs_total = rule.info.needs_total;
  return k;
}

}  // namespace nos::jit
