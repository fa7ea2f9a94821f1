#include "encoder/scratch_conv.h"

#include <algorithm>
#include <vector>

#include <ATen/Config.h>
#if AT_PARALLEL_OPENMP
#include <omp.h>
#endif

#include "encoder/im2col.h"
#include "util/torch_parallel.h"

namespace captioner::encoder {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct ConvShape {
  int64_t batch, channels, height, width;  // input
  int64_t filters, kernel_height, kernel_width;
  int64_t stride, padding;
  int64_t out_height, out_width;

  ConvShape(const Tensor& input, const Tensor& weight, int64_t stride_, int64_t padding_)
      : batch(input.size(0)),
        channels(input.size(1)),
        height(input.size(2)),
        width(input.size(3)),
        filters(weight.size(0)),
        kernel_height(weight.size(2)),
        kernel_width(weight.size(3)),
        stride(stride_),
        padding(padding_),
        out_height((height - kernel_height + 2 * padding) / stride + 1),
        out_width((width - kernel_width + 2 * padding) / stride + 1) {}

  int64_t input_plane() const { return height * width; }
  int64_t output_plane() const { return out_height * out_width; }

  // The windows of the forward pass over one input image.
  Im2colGeometry forward_windows() const {
    return {channels, height, width, kernel_height, kernel_width, stride, padding, padding, 1, out_height, out_width};
  }

  // The windows of the full convolution that gives dX: over one image's output gradient,
  // dilated by the stride and padded by F - 1 - P, one window per input pixel.
  Im2colGeometry input_gradient_windows() const {
    return {filters,    out_height, out_width, kernel_height, kernel_width, 1, kernel_height - 1 - padding,
            kernel_width - 1 - padding, stride, height, width};
  }
};

void check_arguments(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding) {
  TORCH_CHECK(input.dim() == 4 && weight.dim() == 4, "scratch_conv2d: input and weight must be 4-D");
  TORCH_CHECK(input.size(1) == weight.size(1), "scratch_conv2d: input has ", input.size(1),
              " channels, the weight expects ", weight.size(1));
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "scratch_conv2d: bias must have one value per filter");
  TORCH_CHECK(input.scalar_type() == weight.scalar_type() && input.scalar_type() == bias.scalar_type(),
              "scratch_conv2d: input, weight and bias must have the same type");
  TORCH_CHECK(input.scalar_type() == torch::kFloat || input.scalar_type() == torch::kDouble,
              "scratch_conv2d: float32 or float64 only");
  TORCH_CHECK(input.device().is_cpu(), "scratch_conv2d: CPU tensors only");
  TORCH_CHECK(stride >= 1 && padding >= 0, "scratch_conv2d: stride must be >= 1 and padding >= 0");
  TORCH_CHECK(input.size(2) + 2 * padding >= weight.size(2) && input.size(3) + 2 * padding >= weight.size(3),
              "scratch_conv2d: the kernel is larger than the padded input");
}

int64_t chunk_count(int64_t batch) { return std::max<int64_t>(1, std::min<int64_t>(batch, at::get_num_threads())); }

// Each image's GEMMs are meant to run on its worker thread alone. Debian's OpenBLAS (its
// OpenMP build) asks OpenMP how many threads it may use; told 2 inside a parallel region,
// it takes its threaded path and, with other processes busy, stalls for whole scheduler
// ticks (measured: 256 ms instead of 4.7 ms for one layer). This sets 1 for the worker's
// lifetime and puts the old value back (GNU OpenMP would otherwise keep it on the thread
// that called parallel_for).
class SingleThreadedBlas {
 public:
#if AT_PARALLEL_OPENMP
  SingleThreadedBlas() : before_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleThreadedBlas() { omp_set_num_threads(before_); }

 private:
  int before_;
#endif
};

// Splits the batch into one contiguous chunk of images per thread and runs
// work(chunk, first image, end image) on the chunks in parallel; each image then makes its
// own GEMMs (one image's are large enough, and grouping images measured no faster). Fixed
// chunks (not the scheduler's) keep per-chunk sums, and so results, the same run to run.
template <typename Work>
void for_each_chunk(int64_t batch, Work work) {
  const int64_t chunks = chunk_count(batch);
  parallel_for_with_caller_state(0, chunks, 1, [&](int64_t begin, int64_t end) {
    const SingleThreadedBlas single_threaded;
    for (int64_t chunk = begin; chunk < end; ++chunk) work(chunk, chunk * batch / chunks, (chunk + 1) * batch / chunks);
  });
}

Tensor conv_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvShape& s) {
  const Tensor x = input.contiguous();
  const Tensor weight_matrix = weight.reshape({s.filters, -1}).contiguous();
  const Tensor b = bias.contiguous();
  Tensor output = torch::empty({s.batch, s.filters, s.out_height, s.out_width}, input.options());
  const Im2colGeometry windows = s.forward_windows();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "scratch_conv2d_forward", [&] {
    const scalar_t* source = x.data_ptr<scalar_t>();
    const scalar_t* offsets = b.data_ptr<scalar_t>();
    for_each_chunk(s.batch, [&](int64_t, int64_t first, int64_t end) {
      Tensor cols = torch::empty({windows.rows(), windows.columns()}, x.options());
      for (int64_t n = first; n < end; ++n) {
        im2col(source + n * s.channels * s.input_plane(), windows, cols.data_ptr<scalar_t>(), windows.columns());
        // Y = b + W * cols: each filter's row starts as its bias, the product adds on.
        Tensor y = output[n].view({s.filters, windows.columns()});
        scalar_t* row = y.data_ptr<scalar_t>();
        for (int64_t k = 0; k < s.filters; ++k, row += windows.columns()) std::fill_n(row, windows.columns(), offsets[k]);
        y.addmm_(weight_matrix, cols);
      }
    });
  });
  return output;
}

// Returns {dX, dW, db}; an undefined tensor where its gradient is not needed.
tensor_list conv_backward(const Tensor& input, const Tensor& weight, const Tensor& grad_output, const ConvShape& s,
                          bool need_input, bool need_weight, bool need_bias) {
  const Tensor x = input.contiguous();
  const Tensor dy = grad_output.contiguous();
  Tensor grad_input, grad_weight, grad_bias;
  if (need_bias) grad_bias = dy.sum({0, 2, 3});  // db = sum of dY
  if (!need_input && !need_weight) return {grad_input, grad_weight, grad_bias};

  const Im2colGeometry windows = s.forward_windows();
  const Im2colGeometry full_windows = s.input_gradient_windows();
  // rot180(W) with input and output channels swapped: C x (K * Fh * Fw).
  const Tensor rotated = weight.flip({2, 3}).transpose(0, 1).reshape({s.channels, -1}).contiguous();
  if (need_input) grad_input = torch::empty_like(x);
  std::vector<Tensor> weight_sums(static_cast<size_t>(chunk_count(s.batch)));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "scratch_conv2d_backward", [&] {
    const scalar_t* source = x.data_ptr<scalar_t>();
    const scalar_t* gradient = dy.data_ptr<scalar_t>();
    for_each_chunk(s.batch, [&](int64_t chunk, int64_t first, int64_t end) {
      Tensor cols, full_cols, weight_sum;
      if (need_weight) {
        cols = torch::empty({windows.rows(), windows.columns()}, x.options());
        weight_sum = torch::zeros({s.filters, windows.rows()}, x.options());
      }
      if (need_input) full_cols = torch::empty({full_windows.rows(), full_windows.columns()}, x.options());
      for (int64_t n = first; n < end; ++n) {
        const Tensor dy_n = dy[n].view({s.filters, windows.columns()});
        if (need_weight) {
          im2col(source + n * s.channels * s.input_plane(), windows, cols.data_ptr<scalar_t>(), windows.columns());
          weight_sum.addmm_(dy_n, cols.t());  // dW += dY * cols^T
        }
        if (need_input) {
          // dX = rot180(W)^T (*) the dilated, padded dY: a full convolution as one product.
          im2col(gradient + n * s.filters * s.output_plane(), full_windows, full_cols.data_ptr<scalar_t>(),
                 full_windows.columns());
          Tensor dx_n = grad_input[n].view({s.channels, full_windows.columns()});
          torch::mm_out(dx_n, rotated, full_cols);
        }
      }
      if (need_weight) weight_sums[static_cast<size_t>(chunk)] = weight_sum;
    });
  });
  if (need_weight) {
    grad_weight = weight_sums[0];
    for (size_t i = 1; i < weight_sums.size(); ++i) grad_weight.add_(weight_sums[i]);
    grad_weight = grad_weight.view(weight.sizes());
  }
  return {grad_input, grad_weight, grad_bias};
}

class ScratchConv2dFunction : public torch::autograd::Function<ScratchConv2dFunction> {
 public:
  static Tensor forward(AutogradContext* context, const Tensor& input, const Tensor& weight, const Tensor& bias,
                        int64_t stride, int64_t padding) {
    context->save_for_backward({input, weight});
    context->saved_data["stride"] = stride;
    context->saved_data["padding"] = padding;
    return conv_forward(input, weight, bias, ConvShape(input, weight, stride, padding));
  }

  static tensor_list backward(AutogradContext* context, tensor_list grad_outputs) {
    const auto saved = context->get_saved_variables();
    const ConvShape shape(saved[0], saved[1], context->saved_data["stride"].toInt(),
                          context->saved_data["padding"].toInt());
    tensor_list grads = conv_backward(saved[0], saved[1], grad_outputs[0], shape, context->needs_input_grad(0),
                                      context->needs_input_grad(1), context->needs_input_grad(2));
    grads.emplace_back();  // stride
    grads.emplace_back();  // padding
    return grads;
  }
};

}  // namespace

Tensor scratch_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding) {
  check_arguments(input, weight, bias, stride, padding);
  return ScratchConv2dFunction::apply(input, weight, bias, stride, padding);
}

}  // namespace captioner::encoder
