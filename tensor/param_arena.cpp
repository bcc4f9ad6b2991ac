#include "tensor/param_arena.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tensor/allocator.h"

namespace nos {

ParamArena::ParamArena() : values_(std::make_shared<Storage>()), grads_(std::make_shared<Storage>()) {}

void ParamArena::reserve(std::int64_t floats) {
  if (floats <= capacity_) return;
  const std::int64_t cap = std::max<std::int64_t>({floats, capacity_ * 2, 1024});
  for (auto* s : {&values_, &grads_}) {
    void* fresh = cached_alloc(cap * sizeof(float));
    std::memset(fresh, 0, cap * sizeof(float));
    if ((*s)->data) {
      std::memcpy(fresh, (*s)->data, size_ * sizeof(float));
      cached_free((*s)->data, (*s)->bytes);
    }
    // Re-point the shared Storage, so every view handed out so far follows the move.
    (*s)->data = fresh;
    (*s)->bytes = cap * sizeof(float);
  }
  capacity_ = cap;
}

ParamArena::Param ParamArena::add(const std::string& name, const Shape& shape) {
  for (const auto& e : entries_)
    if (e.name == name) throw std::invalid_argument(fmt::format("ParamArena: parameter '{}' added twice", name));
  const std::int64_t n = nos::numel(shape);
  reserve(size_ + n);
  entries_.push_back({name, shape, size_, n});
  Param p{Tensor::view_of(values_, size_, shape, DType::f32), Tensor::view_of(grads_, size_, shape, DType::f32)};
  size_ += n;
  return p;
}

float* ParamArena::values() { return static_cast<float*>(values_->data); }
float* ParamArena::grads() { return static_cast<float*>(grads_->data); }
const float* ParamArena::values() const { return static_cast<const float*>(values_->data); }
const float* ParamArena::grads() const { return static_cast<const float*>(grads_->data); }

Tensor ParamArena::values_tensor() const {
  if (!values_->data) return Tensor::zeros({0});
  return Tensor::view_of(values_, 0, {size_}, DType::f32);
}
Tensor ParamArena::grads_tensor() const {
  if (!grads_->data) return Tensor::zeros({0});
  return Tensor::view_of(grads_, 0, {size_}, DType::f32);
}

ParamArena::Param ParamArena::get(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name)
      return {Tensor::view_of(values_, e.offset, e.shape, DType::f32),
              Tensor::view_of(grads_, e.offset, e.shape, DType::f32)};
  throw std::out_of_range(fmt::format("ParamArena: no parameter named '{}'", name));
}

void ParamArena::zero_grad() {
  if (grads_->data) std::memset(grads_->data, 0, size_ * sizeof(float));
}

}  // namespace nos
