#include "encoder/scratch_linear.h"

namespace captioner::encoder {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

class ScratchLinearFunction : public torch::autograd::Function<ScratchLinearFunction> {
 public:
  static Tensor forward(AutogradContext* context, const Tensor& input, const Tensor& weight, const Tensor& bias) {
    context->save_for_backward({input, weight});
    return torch::addmm(bias, input, weight.t());
  }

  static tensor_list backward(AutogradContext* context, tensor_list grad_outputs) {
    const auto saved = context->get_saved_variables();
    const Tensor& dy = grad_outputs[0];
    Tensor grad_input, grad_weight, grad_bias;
    if (context->needs_input_grad(0)) grad_input = torch::mm(dy, saved[1]);
    if (context->needs_input_grad(1)) grad_weight = torch::mm(dy.t(), saved[0]);
    if (context->needs_input_grad(2)) grad_bias = dy.sum(0);
    return {grad_input, grad_weight, grad_bias};
  }
};

}  // namespace

Tensor scratch_linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  TORCH_CHECK(input.dim() == 2 && weight.dim() == 2 && bias.dim() == 1, "scratch_linear: input N x I, weight O x I, bias O");
  TORCH_CHECK(input.size(1) == weight.size(1), "scratch_linear: input has ", input.size(1), " features, the weight expects ",
              weight.size(1));
  TORCH_CHECK(bias.size(0) == weight.size(0), "scratch_linear: bias must have one value per output");
  return ScratchLinearFunction::apply(input, weight, bias);
}

}  // namespace captioner::encoder
