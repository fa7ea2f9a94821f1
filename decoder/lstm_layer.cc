#include "decoder/lstm_layer.h"

#include "decoder/lstm_cell.h"

namespace captioner::decoder {

torch::Tensor in_step_gate_order(const torch::Tensor& gate_rows) {
  const auto blocks = gate_rows.chunk(4, 0);
  return torch::cat({blocks[0], blocks[1], blocks[3], blocks[2]});
}

namespace {

// What the forward pass computes, time major; the backward pass reads all of it.
struct LayerBuffers {
  torch::Tensor inputs;     // T*N x E
  torch::Tensor weight_ih;  // 4H x E, step order
  torch::Tensor weight_hh;  // 4H x H, step order
  torch::Tensor gates;      // T x N x 4H: each step's activations, as lstm_cell leaves them
  torch::Tensor hidden;     // T+1 x N x H: h0, then the state after each step
  torch::Tensor cell;       // T+1 x N x H: c0, then the state after each step
  torch::Tensor cell_tanh;  // T x N x H: tanh of cell[1..T] (undefined when not kept)
};

LayerBuffers run_forward(const torch::Tensor& inputs, const torch::Tensor& h0, const torch::Tensor& c0,
                         const LstmLayerWeights& weights, bool keep_for_backward) {
  const int64_t N = inputs.size(0), T = inputs.size(1), E = inputs.size(2), H = weights.weight_hh.size(1);
  LayerBuffers buffers;
  buffers.weight_ih = in_step_gate_order(weights.weight_ih);
  buffers.weight_hh = in_step_gate_order(weights.weight_hh);
  buffers.inputs = inputs.transpose(0, 1).contiguous().view({T * N, E});
  // Every step's input product and both biases at once.
  buffers.gates = torch::addmm(in_step_gate_order(weights.bias_ih + weights.bias_hh), buffers.inputs,
                               buffers.weight_ih.t())
                      .view({T, N, 4 * H});
  buffers.hidden = torch::empty({T + 1, N, H}, inputs.options());
  buffers.cell = torch::empty({T + 1, N, H}, inputs.options());
  buffers.hidden[0].copy_(h0);
  buffers.cell[0].copy_(c0);
  if (keep_for_backward) buffers.cell_tanh = torch::empty({T, N, H}, inputs.options());
  const auto recurrent = buffers.weight_hh.t();
  for (int64_t t = 0; t < T; ++t) {
    auto step_gates = buffers.gates[t];
    step_gates.addmm_(buffers.hidden[t], recurrent);
    lstm_cell(step_gates.data_ptr<float>(), buffers.cell[t].data_ptr<float>(), buffers.cell[t + 1].data_ptr<float>(),
              buffers.hidden[t + 1].data_ptr<float>(), N, H,
              keep_for_backward ? buffers.cell_tanh[t].data_ptr<float>() : nullptr);
  }
  return buffers;
}

LstmLayerResult results_of(const LayerBuffers& buffers) {
  const int64_t T = buffers.gates.size(0);
  return {buffers.hidden.slice(0, 1).transpose(0, 1).contiguous(), buffers.hidden[T].clone(),
          buffers.cell[T].clone()};
}

class LstmLayerFunction : public torch::autograd::Function<LstmLayerFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* context,
                                                const torch::Tensor& inputs, const torch::Tensor& h0,
                                                const torch::Tensor& c0, const torch::Tensor& weight_ih,
                                                const torch::Tensor& weight_hh, const torch::Tensor& bias_ih,
                                                const torch::Tensor& bias_hh) {
    const auto buffers = run_forward(inputs, h0, c0, {weight_ih, weight_hh, bias_ih, bias_hh}, true);
    context->save_for_backward({buffers.inputs, buffers.weight_ih, buffers.weight_hh, buffers.gates, buffers.hidden,
                                buffers.cell, buffers.cell_tanh});
    const auto result = results_of(buffers);
    return {result.outputs, result.h, result.c};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grads) {
    const auto saved = context->get_saved_variables();
    const auto &inputs = saved[0], &weight_ih = saved[1], &weight_hh = saved[2], &gates = saved[3],
               &hidden = saved[4], &cell = saved[5], &cell_tanh = saved[6];
    const int64_t T = gates.size(0), N = gates.size(1), H = hidden.size(2), E = inputs.size(1);
    const auto options = gates.options();

    // Undefined gradients are zeros (an output nothing used).
    torch::Tensor output_grad;
    if (grads[0].defined()) output_grad = grads[0].transpose(0, 1).contiguous();  // T x N x H
    auto hidden_grad = grads[1].defined() ? grads[1].contiguous().clone() : torch::zeros({N, H}, options);
    auto cell_grad = grads[2].defined() ? grads[2].contiguous().clone() : torch::zeros({N, H}, options);

    auto gate_grad = torch::empty({T, N, 4 * H}, options);
    for (int64_t t = T - 1; t >= 0; --t) {
      lstm_cell_backward(gates[t].data_ptr<float>(), cell[t].data_ptr<float>(), cell_tanh[t].data_ptr<float>(),
                         output_grad.defined() ? output_grad[t].data_ptr<float>() : nullptr,
                         hidden_grad.data_ptr<float>(), cell_grad.data_ptr<float>(), gate_grad[t].data_ptr<float>(), N,
                         H);
      torch::mm_out(hidden_grad, gate_grad[t], weight_hh);  // dL/dh of the step before
    }

    // The weights' gradients, every step's share in one product each.
    const auto all_gate_grads = gate_grad.view({T * N, 4 * H});
    torch::Tensor inputs_grad, weight_ih_grad, weight_hh_grad, bias_ih_grad, bias_hh_grad;
    if (context->needs_input_grad(0)) {
      inputs_grad = all_gate_grads.mm(weight_ih).view({T, N, E}).transpose(0, 1);
    }
    if (context->needs_input_grad(3)) weight_ih_grad = in_step_gate_order(all_gate_grads.t().mm(inputs));
    if (context->needs_input_grad(4)) {
      weight_hh_grad = in_step_gate_order(all_gate_grads.t().mm(hidden.slice(0, 0, T).reshape({T * N, H})));
    }
    if (context->needs_input_grad(5) || context->needs_input_grad(6)) {
      bias_ih_grad = in_step_gate_order(all_gate_grads.sum(0));
      bias_hh_grad = bias_ih_grad.clone();  // its own tensor: autograd may keep either as a .grad
    }
    return {inputs_grad, hidden_grad, cell_grad, weight_ih_grad, weight_hh_grad, bias_ih_grad, bias_hh_grad};
  }
};

}  // namespace

bool lstm_layer_supports(const torch::Tensor& like) {
  return like.device().is_cpu() && like.scalar_type() == torch::kFloat;
}

LstmLayerResult lstm_layer(const torch::Tensor& inputs, const torch::Tensor& h0, const torch::Tensor& c0,
                           const LstmLayerWeights& weights) {
  TORCH_CHECK(inputs.dim() == 3 && inputs.size(1) >= 1, "lstm_layer: inputs must be N x T x E with T >= 1, got ",
              inputs.sizes());
  const int64_t N = inputs.size(0), E = inputs.size(2), H = weights.weight_hh.size(1);
  TORCH_CHECK(weights.weight_ih.sizes() == torch::IntArrayRef({4 * H, E}) &&
                  weights.weight_hh.sizes() == torch::IntArrayRef({4 * H, H}) &&
                  weights.bias_ih.sizes() == torch::IntArrayRef({4 * H}) &&
                  weights.bias_hh.sizes() == torch::IntArrayRef({4 * H}),
              "lstm_layer: weights do not fit inputs of ", E, " and a hidden size of ", H);
  TORCH_CHECK(h0.sizes() == torch::IntArrayRef({N, H}) && c0.sizes() == torch::IntArrayRef({N, H}),
              "lstm_layer: h0 and c0 must be ", N, " x ", H, ", got ", h0.sizes(), " and ", c0.sizes());
  for (const auto* tensor : {&inputs, &h0, &c0, &weights.weight_ih, &weights.weight_hh, &weights.bias_ih,
                             &weights.bias_hh}) {
    TORCH_CHECK(lstm_layer_supports(*tensor), "lstm_layer: float tensors in the CPU's memory only");
  }
  const bool needs_graph =
      torch::GradMode::is_enabled() &&
      (inputs.requires_grad() || h0.requires_grad() || c0.requires_grad() || weights.weight_ih.requires_grad() ||
       weights.weight_hh.requires_grad() || weights.bias_ih.requires_grad() || weights.bias_hh.requires_grad());
  if (!needs_graph) return results_of(run_forward(inputs, h0, c0, weights, false));
  const auto outputs = LstmLayerFunction::apply(inputs, h0, c0, weights.weight_ih, weights.weight_hh, weights.bias_ih,
                                                weights.bias_hh);
  return {outputs[0], outputs[1], outputs[2]};
}

}  // namespace captioner::decoder
