#include "decoder/lstm_layer.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "decoder/lstm_cell.h"

namespace captioner::decoder {

torch::Tensor in_step_gate_order(const torch::Tensor& gate_rows) {
  const auto blocks = gate_rows.chunk(4, 0);
  return torch::cat({blocks[0], blocks[1], blocks[3], blocks[2]});
}

namespace {

// Which rows run at which step. Rows are sorted by decreasing length, so that the rows still
// running at step t are the first active[t] of them; a step's rows are stored together
// ("packed", as PyTorch's PackedSequence): packed row offset[t] + r is sorted row r at step t.
// The state buffers hold N rows of the initial state (sorted) before the packed rows.
struct Packing {
  int64_t rows = 0, steps = 0, packed_rows = 0;
  std::vector<int64_t> active, offset;
  torch::Tensor order;      // N: sorted row -> row
  torch::Tensor positions;  // P: packed row -> row * T + step, a row of inputs.view({N * T, -1})
  torch::Tensor previous;   // P: packed row -> the state buffers' row of its previous state
  torch::Tensor last;       // N: row -> the state buffers' row of its state after its last step

  // The state buffers' row of the state before step t of sorted row r.
  int64_t previous_row(int64_t t, int64_t r) const { return t == 0 ? r : rows + offset[t - 1] + r; }

  Packing() = default;
  Packing(int64_t N, int64_t T, const std::vector<int64_t>& lengths) : rows(N), steps(T), active(T), offset(T) {
    std::vector<int64_t> sorted(N);
    std::iota(sorted.begin(), sorted.end(), 0);
    std::stable_sort(sorted.begin(), sorted.end(), [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
    std::vector<int64_t> position, previous_rows, last_rows(N);
    for (int64_t t = 0; t < T; ++t) {
      offset[t] = packed_rows;
      while (active[t] < N && lengths[sorted[active[t]]] > t) ++active[t];
      for (int64_t r = 0; r < active[t]; ++r) {
        position.push_back(sorted[r] * T + t);
        previous_rows.push_back(previous_row(t, r));
        if (lengths[sorted[r]] == t + 1) last_rows[sorted[r]] = N + packed_rows + r;
      }
      packed_rows += active[t];
    }
    order = torch::tensor(sorted, torch::kLong);
    positions = torch::tensor(position, torch::kLong);
    previous = torch::tensor(previous_rows, torch::kLong);
    last = torch::tensor(last_rows, torch::kLong);
  }

  // An autograd context keeps IValues.
  void save_to(torch::autograd::AutogradContext* context) const {
    auto& data = context->saved_data;
    data["rows"] = rows;
    data["steps"] = steps;
    data["packed_rows"] = packed_rows;
    data["active"] = active;
    data["offset"] = offset;
    data["order"] = order;
    data["positions"] = positions;
    data["previous"] = previous;
    data["last"] = last;
  }
  static Packing load_from(torch::autograd::AutogradContext* context) {
    const auto& data = context->saved_data;
    Packing packing;
    packing.rows = data.at("rows").toInt();
    packing.steps = data.at("steps").toInt();
    packing.packed_rows = data.at("packed_rows").toInt();
    packing.active = data.at("active").toIntVector();
    packing.offset = data.at("offset").toIntVector();
    packing.order = data.at("order").toTensor();
    packing.positions = data.at("positions").toTensor();
    packing.previous = data.at("previous").toTensor();
    packing.last = data.at("last").toTensor();
    return packing;
  }
};

// What the forward pass computes; the backward pass reads all of it.
struct LayerBuffers {
  torch::Tensor inputs;     // P x E, packed
  torch::Tensor weight_ih;  // 4H x E, step order
  torch::Tensor weight_hh;  // 4H x H, step order
  torch::Tensor gates;      // P x 4H: each step's activations, as lstm_cell leaves them
  torch::Tensor hidden;     // N + P x H: h0 (sorted), then the state after each step
  torch::Tensor cell;       // N + P x H: c0 (sorted), then the state after each step
  torch::Tensor cell_tanh;  // P x H: tanh of cell's packed rows (undefined when not kept)
};

LayerBuffers run_forward(const torch::Tensor& inputs, const torch::Tensor& h0, const torch::Tensor& c0,
                         const LstmLayerWeights& weights, const Packing& packing, bool keep_for_backward) {
  const int64_t N = packing.rows, P = packing.packed_rows, E = inputs.size(2), H = weights.weight_hh.size(1);
  LayerBuffers buffers;
  buffers.weight_ih = in_step_gate_order(weights.weight_ih);
  buffers.weight_hh = in_step_gate_order(weights.weight_hh);
  buffers.inputs = inputs.reshape({N * packing.steps, E}).index_select(0, packing.positions);
  // Every step's input product and both biases at once.
  buffers.gates = torch::addmm(in_step_gate_order(weights.bias_ih + weights.bias_hh), buffers.inputs,
                               buffers.weight_ih.t());
  buffers.hidden = torch::empty({N + P, H}, inputs.options());
  buffers.cell = torch::empty({N + P, H}, inputs.options());
  buffers.hidden.narrow(0, 0, N).copy_(h0.index_select(0, packing.order));
  buffers.cell.narrow(0, 0, N).copy_(c0.index_select(0, packing.order));
  if (keep_for_backward) buffers.cell_tanh = torch::empty({P, H}, inputs.options());
  const auto recurrent = buffers.weight_hh.t();
  for (int64_t t = 0; t < packing.steps; ++t) {
    const int64_t n = packing.active[t], first = packing.offset[t], previous = packing.previous_row(t, 0);
    if (n == 0) break;  // every row has ended
    auto step_gates = buffers.gates.narrow(0, first, n);
    step_gates.addmm_(buffers.hidden.narrow(0, previous, n), recurrent);
    lstm_cell(step_gates.data_ptr<float>(), buffers.cell[previous].data_ptr<float>(),
              buffers.cell[N + first].data_ptr<float>(), buffers.hidden[N + first].data_ptr<float>(), n, H,
              keep_for_backward ? buffers.cell_tanh[first].data_ptr<float>() : nullptr);
  }
  return buffers;
}

LstmLayerResult results_of(const LayerBuffers& buffers, const Packing& packing) {
  const int64_t N = packing.rows, T = packing.steps, H = buffers.hidden.size(1);
  auto outputs = torch::zeros({N * T, H}, buffers.hidden.options())
                     .index_copy_(0, packing.positions, buffers.hidden.narrow(0, N, packing.packed_rows));
  return {outputs.view({N, T, H}), buffers.hidden.index_select(0, packing.last),
          buffers.cell.index_select(0, packing.last)};
}

class LstmLayerFunction : public torch::autograd::Function<LstmLayerFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* context,
                                                const torch::Tensor& inputs, const torch::Tensor& h0,
                                                const torch::Tensor& c0, const torch::Tensor& weight_ih,
                                                const torch::Tensor& weight_hh, const torch::Tensor& bias_ih,
                                                const torch::Tensor& bias_hh, const std::vector<int64_t>& lengths) {
    const Packing packing(inputs.size(0), inputs.size(1), lengths);
    const auto buffers = run_forward(inputs, h0, c0, {weight_ih, weight_hh, bias_ih, bias_hh}, packing, true);
    context->save_for_backward({buffers.inputs, buffers.weight_ih, buffers.weight_hh, buffers.gates, buffers.hidden,
                                buffers.cell, buffers.cell_tanh});
    packing.save_to(context);
    const auto result = results_of(buffers, packing);
    return {result.outputs, result.h, result.c};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grads) {
    const auto saved = context->get_saved_variables();
    const auto &inputs = saved[0], &weight_ih = saved[1], &weight_hh = saved[2], &gates = saved[3],
               &hidden = saved[4], &cell = saved[5], &cell_tanh = saved[6];
    const Packing packing = Packing::load_from(context);
    const int64_t N = packing.rows, T = packing.steps, P = packing.packed_rows, H = hidden.size(1),
                  E = inputs.size(1);
    const auto options = gates.options();

    // Undefined gradients are zeros (an output nothing used). The running gradients of h and
    // c are in sorted order; a row's entry holds the final state's gradient until the
    // backward pass reaches that row's last step.
    torch::Tensor output_grad;
    if (grads[0].defined()) output_grad = grads[0].reshape({N * T, H}).index_select(0, packing.positions);
    auto sorted_grad = [&](const torch::Tensor& grad) {
      return grad.defined() ? grad.index_select(0, packing.order) : torch::zeros({N, H}, options);
    };
    auto hidden_grad = sorted_grad(grads[1]);
    auto cell_grad = sorted_grad(grads[2]);

    auto gate_grad = torch::empty({P, 4 * H}, options);
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t n = packing.active[t], first = packing.offset[t];
      if (n == 0) continue;  // after every row's end
      lstm_cell_backward(gates[first].data_ptr<float>(), cell[packing.previous_row(t, 0)].data_ptr<float>(),
                         cell_tanh[first].data_ptr<float>(),
                         output_grad.defined() ? output_grad[first].data_ptr<float>() : nullptr,
                         hidden_grad.data_ptr<float>(), cell_grad.data_ptr<float>(), gate_grad[first].data_ptr<float>(),
                         n, H);
      auto step_hidden_grad = hidden_grad.narrow(0, 0, n);
      torch::mm_out(step_hidden_grad, gate_grad.narrow(0, first, n), weight_hh);  // dL/dh of the step before
    }
    auto unsorted = [&](const torch::Tensor& sorted) {
      return torch::empty_like(sorted).index_copy_(0, packing.order, sorted);
    };

    // The weights' gradients, every step's share in one product each.
    torch::Tensor inputs_grad, weight_ih_grad, weight_hh_grad, bias_ih_grad, bias_hh_grad;
    if (context->needs_input_grad(0)) {
      inputs_grad = torch::zeros({N * T, E}, options).index_copy_(0, packing.positions, gate_grad.mm(weight_ih));
      inputs_grad = inputs_grad.view({N, T, E});
    }
    if (context->needs_input_grad(3)) weight_ih_grad = in_step_gate_order(gate_grad.t().mm(inputs));
    if (context->needs_input_grad(4)) {
      weight_hh_grad = in_step_gate_order(gate_grad.t().mm(hidden.index_select(0, packing.previous)));
    }
    if (context->needs_input_grad(5) || context->needs_input_grad(6)) {
      bias_ih_grad = in_step_gate_order(gate_grad.sum(0));
      bias_hh_grad = bias_ih_grad.clone();  // its own tensor: autograd may keep either as a .grad
    }
    return {inputs_grad,    unsorted(hidden_grad), unsorted(cell_grad), weight_ih_grad,
            weight_hh_grad, bias_ih_grad,          bias_hh_grad,        torch::Tensor()};
  }
};

}  // namespace

bool lstm_layer_supports(const torch::Tensor& like) {
  return like.device().is_cpu() && like.scalar_type() == torch::kFloat;
}

LstmLayerResult lstm_layer(const torch::Tensor& inputs, const torch::Tensor& h0, const torch::Tensor& c0,
                           const LstmLayerWeights& weights, const std::vector<int64_t>& lengths) {
  TORCH_CHECK(inputs.dim() == 3 && inputs.size(1) >= 1, "lstm_layer: inputs must be N x T x E with T >= 1, got ",
              inputs.sizes());
  const int64_t N = inputs.size(0), T = inputs.size(1), E = inputs.size(2), H = weights.weight_hh.size(1);
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
  TORCH_CHECK(lengths.empty() || static_cast<int64_t>(lengths.size()) == N, "lstm_layer: ", lengths.size(),
              " lengths for ", N, " rows");
  for (const int64_t length : lengths) {
    TORCH_CHECK(length >= 1 && length <= T, "lstm_layer: a row's length must be in [1, ", T, "], got ", length);
  }
  const auto row_lengths = lengths.empty() ? std::vector<int64_t>(N, T) : lengths;

  const bool needs_graph =
      torch::GradMode::is_enabled() &&
      (inputs.requires_grad() || h0.requires_grad() || c0.requires_grad() || weights.weight_ih.requires_grad() ||
       weights.weight_hh.requires_grad() || weights.bias_ih.requires_grad() || weights.bias_hh.requires_grad());
  if (!needs_graph) {
    const Packing packing(N, T, row_lengths);
    return results_of(run_forward(inputs, h0, c0, weights, packing, false), packing);
  }
  const auto outputs = LstmLayerFunction::apply(inputs, h0, c0, weights.weight_ih, weights.weight_hh, weights.bias_ih,
                                                weights.bias_hh, row_lengths);
  return {outputs[0], outputs[1], outputs[2]};
}

}  // namespace captioner::decoder
