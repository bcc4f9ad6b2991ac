#include "tensor/tensor.h"

#include <fmt/format.h>

#include <cstring>

#include "tensor/allocator.h"

namespace nos {

Storage::~Storage() {
  if (owned) cached_free(data, bytes);
}

std::shared_ptr<Storage> Storage::allocate(std::size_t bytes) {
  auto s = std::make_shared<Storage>();
  s->data = cached_alloc(bytes);
  s->bytes = bytes;
  return s;
}

namespace {
std::size_t elem_size(DType) { return 4; }  // both f32 and i32

void check_shape(const Shape& shape, const char* op) {
  for (auto d : shape)
    if (d < 0) throw_shape_error(op, fmt::format("negative dimension in {}", to_string(shape)));
}
}  // namespace

Tensor Tensor::view_of(std::shared_ptr<Storage> storage, std::int64_t offset, Shape shape, DType dtype) {
  check_shape(shape, "view");
  Tensor t;
  t.numel_ = nos::numel(shape);
  if (static_cast<std::size_t>(offset + t.numel_) * elem_size(dtype) > storage->bytes)
    throw_shape_error("view", fmt::format("{} at offset {} does not fit in storage of {} bytes", to_string(shape),
                                          offset, storage->bytes));
  t.storage_ = std::move(storage);
  t.offset_ = offset;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  return t;
}

Tensor Tensor::empty(Shape shape, DType dtype) {
  check_shape(shape, "empty");
  const auto n = nos::numel(shape);
  return view_of(Storage::allocate(std::max<std::int64_t>(n, 1) * elem_size(dtype)), 0, std::move(shape), dtype);
}

Tensor Tensor::zeros(Shape shape, DType dtype) {
  Tensor t = empty(std::move(shape), dtype);
  t.zero();
  return t;
}

Tensor Tensor::full(Shape shape, float value) {
  Tensor t = empty(std::move(shape));
  t.fill(value);
  return t;
}

Tensor Tensor::from(Shape shape, const std::vector<float>& values) {
  if (nos::numel(shape) != static_cast<std::int64_t>(values.size()))
    throw_shape_error("from", fmt::format("{} values do not fill shape {}", values.size(), to_string(shape)));
  Tensor t = empty(std::move(shape));
  std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::from_ints(Shape shape, const std::vector<std::int32_t>& values) {
  if (nos::numel(shape) != static_cast<std::int64_t>(values.size()))
    throw_shape_error("from_ints", fmt::format("{} values do not fill shape {}", values.size(), to_string(shape)));
  Tensor t = empty(std::move(shape), DType::i32);
  std::memcpy(t.idata(), values.data(), values.size() * sizeof(std::int32_t));
  return t;
}

Tensor Tensor::wrap(float* data, Shape shape) {
  auto s = std::make_shared<Storage>();
  s->data = data;
  s->bytes = static_cast<std::size_t>(nos::numel(shape)) * sizeof(float);
  s->owned = false;
  return view_of(std::move(s), 0, std::move(shape), DType::f32);
}

std::int64_t Tensor::size(std::int64_t d) const {
  const auto n = dim();
  if (d < 0) d += n;
  if (d < 0 || d >= n) throw_shape_error("size", fmt::format("dimension {} out of range for {}", d, to_string(shape_)));
  return shape_[d];
}

void* Tensor::raw() const { return static_cast<char*>(storage_->data) + offset_ * elem_size(dtype_); }

float* Tensor::data() {
  if (dtype_ != DType::f32) throw std::logic_error("data(): tensor holds int32, use idata()");
  return static_cast<float*>(raw());
}
const float* Tensor::data() const { return const_cast<Tensor*>(this)->data(); }
std::int32_t* Tensor::idata() {
  if (dtype_ != DType::i32) throw std::logic_error("idata(): tensor holds float32, use data()");
  return static_cast<std::int32_t*>(raw());
}
const std::int32_t* Tensor::idata() const { return const_cast<Tensor*>(this)->idata(); }

Tensor Tensor::reshape(Shape shape) const {
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw_shape_error("reshape", fmt::format("more than one -1 in {}", to_string(shape)));
      infer = static_cast<std::int64_t>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0 && numel_ % known == 0) shape[infer] = numel_ / known;
  if (nos::numel(shape) != numel_)
    throw_shape_error("reshape", fmt::format("cannot view {} as {}", to_string(shape_), to_string(shape)));
  return view_of(storage_, offset_, std::move(shape), dtype_);
}

Tensor Tensor::slice0(std::int64_t begin, std::int64_t end) const {
  if (dim() == 0 || begin < 0 || end < begin || end > shape_[0])
    throw_shape_error("slice0", fmt::format("rows [{}, {}) out of range for {}", begin, end, to_string(shape_)));
  Shape s = shape_;
  s[0] = end - begin;
  const auto row = shape_[0] == 0 ? 0 : numel_ / shape_[0];
  return view_of(storage_, offset_ + begin * row, std::move(s), dtype_);
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_);
  std::memcpy(t.raw(), raw(), numel_ * elem_size(dtype_));
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  if (src.numel_ != numel_ || src.dtype_ != dtype_)
    throw_shape_error("copy_from", fmt::format("cannot copy {} into {}", to_string(src.shape_), to_string(shape_)));
  std::memmove(raw(), src.raw(), numel_ * elem_size(dtype_));
}

void Tensor::fill(float value) {
  float* p = data();
  for (std::int64_t i = 0; i < numel_; ++i) p[i] = value;
}

void Tensor::zero() { std::memset(raw(), 0, numel_ * elem_size(dtype_)); }

float Tensor::item() const {
  if (numel_ != 1)
    throw_shape_error("item", fmt::format("tensor of shape {} has {} elements, not 1", to_string(shape_), numel_));
  return data()[0];
}

std::vector<float> Tensor::to_vector() const {
  const float* p = data();
  return std::vector<float>(p, p + numel_);
}

}  // namespace nos
