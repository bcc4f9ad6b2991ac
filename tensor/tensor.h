// Tensor: a shape and a window into reference-counted storage.
//
// Storage is always contiguous row-major and 64-byte aligned at its start. Views (reshape, slices
// along the first dimension) share storage with the tensor they came from, so writing through a
// view writes the original. Ops that need another layout (transpose) make a new tensor.
//
// Two element types: float32 for values and int32 for labels and indices.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/shape.h"

namespace nos {

enum class DType : std::uint8_t { f32, i32 };

// A block of memory. Owned storage comes from the caching allocator; a ParamArena re-points its
// storage when it grows, which is why tensors go through Storage for their pointer every time.
struct Storage {
  void* data = nullptr;
  std::size_t bytes = 0;
  bool owned = true;  // false for memory nos did not allocate (wrap())

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();
  static std::shared_ptr<Storage> allocate(std::size_t bytes);
};

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() is false

  static Tensor empty(Shape shape, DType dtype = DType::f32);
  static Tensor zeros(Shape shape, DType dtype = DType::f32);
  static Tensor full(Shape shape, float value);
  static Tensor from(Shape shape, const std::vector<float>& values);
  static Tensor from_ints(Shape shape, const std::vector<std::int32_t>& values);
  // A tensor over memory nos does not own; the caller keeps it alive as long as the tensor.
  static Tensor wrap(float* data, Shape shape);
  // A view into `storage` at element `offset` (used by ParamArena).
  static Tensor view_of(std::shared_ptr<Storage> storage, std::int64_t offset, Shape shape, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t dim() const { return static_cast<std::int64_t>(shape_.size()); }
  std::int64_t size(std::int64_t d) const;  // negative d counts from the end
  std::int64_t numel() const { return numel_; }

  float* data();
  const float* data() const;
  std::int32_t* idata();
  const std::int32_t* idata() const;

  // Views sharing storage.
  Tensor reshape(Shape shape) const;                          // one dimension may be -1
  Tensor slice0(std::int64_t begin, std::int64_t end) const;  // rows [begin, end) of dim 0

  Tensor clone() const;               // a copy with its own storage
  void copy_from(const Tensor& src);  // same numel required
  void fill(float value);
  void zero();
  float item() const;  // the value of a one-element float tensor
  std::vector<float> to_vector() const;

  bool shares_storage_with(const Tensor& other) const { return storage_ == other.storage_; }

 private:
  std::shared_ptr<Storage> storage_;
  std::int64_t offset_ = 0;  // in elements
  std::int64_t numel_ = 0;
  Shape shape_;
  DType dtype_ = DType::f32;
  void* raw() const;
};

}  // namespace nos
