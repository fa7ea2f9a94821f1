#pragma once
// im2col: lays out every window a kernel sees as one column of a matrix, so that a
// convolution becomes one matrix product (the seed's "local regions are stretched out into
// columns"). The source may be zero-padded (by a negative amount: cropped) and dilated
// (S - 1 zeros between neighbouring pixels): backpropagating through a stride-S conv is a
// full convolution of the dilated, padded output gradient.

#include <cstdint>

namespace captioner::encoder {

struct Im2colGeometry {
  int64_t channels = 0;  // the source: channels x height x width, contiguous
  int64_t height = 0;
  int64_t width = 0;
  int64_t kernel_height = 0;
  int64_t kernel_width = 0;
  int64_t stride = 1;          // of the kernel over the padded, dilated source
  int64_t pad_top = 0;         // zero rows above the source (negative: rows cut off)
  int64_t pad_left = 0;        // zero columns left of the source (negative: cut off)
  int64_t input_dilation = 1;  // source pixel (y, x) sits at (y * d, x * d)
  int64_t out_height = 0;      // kernel positions down and across
  int64_t out_width = 0;

  int64_t rows() const { return channels * kernel_height * kernel_width; }
  int64_t columns() const { return out_height * out_width; }
};

// cols[(c * kernel_height + i) * kernel_width + j][y * out_width + x] =
//   source[c][(y * stride + i - pad_top) / d][(x * stride + j - pad_left) / d]
// where that divides exactly and lies inside the source, else 0. Row r of the matrix starts
// at cols + r * row_stride (row_stride >= columns(): several images' columns side by side
// make one wider matrix).
template <typename T>
void im2col(const T* source, const Im2colGeometry& geometry, T* cols, int64_t row_stride);

}  // namespace captioner::encoder
