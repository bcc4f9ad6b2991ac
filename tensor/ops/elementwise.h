// Elementwise arithmetic with broadcasting, and the in-place helpers autograd accumulates with.
#pragma once
#include "tensor/tensor.h"

namespace nos {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);

Tensor scale(const Tensor& a, float s);  // s * a
Tensor neg(const Tensor& a);

void add_(Tensor& dst, const Tensor& src);                // dst += src, same shape
void axpy_(Tensor& dst, float alpha, const Tensor& src);  // dst += alpha * src, same shape

}  // namespace nos
