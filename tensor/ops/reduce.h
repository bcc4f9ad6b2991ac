// Reductions.
#pragma once
#include "tensor/tensor.h"

namespace nos {

Tensor sum(const Tensor& a);   // all elements -> shape [] (one element)
Tensor mean(const Tensor& a);  // all elements -> shape []
Tensor sum_dim(const Tensor& a, std::int64_t dim, bool keepdim = false);

}  // namespace nos
