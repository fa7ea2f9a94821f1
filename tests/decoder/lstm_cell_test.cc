#include "decoder/lstm_cell.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

using captioner::decoder::lstm_cell;

namespace {

// LibTorch's gate blocks (input, forget, cell, output) in lstm_cell's order (input, forget, output, cell).
torch::Tensor in_cell_order(const torch::Tensor& gates) {
  const auto blocks = gates.chunk(4, 1);
  return torch::cat({blocks[0], blocks[1], blocks[3], blocks[2]}, 1).contiguous();
}

struct CellResult {
  torch::Tensor cell, hidden;
};

CellResult fused(torch::Tensor gates, const torch::Tensor& cell) {
  gates = gates.clone();  // lstm_cell overwrites its gates
  const int64_t rows = cell.size(0), hidden = cell.size(1);
  CellResult result{torch::empty({rows, hidden}), torch::empty({rows, hidden})};
  lstm_cell(gates.data_ptr<float>(), cell.data_ptr<float>(), result.cell.data_ptr<float>(),
            result.hidden.data_ptr<float>(), rows, hidden);
  return result;
}

// Hidden sizes with and without a tail after the vector loops (8 lanes, 16 for the sigmoid's pairs).
const std::vector<int64_t> kHiddenSizes = {1, 5, 16, 20, 256};

TEST(LstmCell, AgreesWithLibTorchsLstmCell) {
  torch::manual_seed(3);
  for (const int64_t hidden : kHiddenSizes) {
    for (const int64_t rows : {1, 7}) {
      const int64_t inputs = 6;
      const auto x = torch::randn({rows, inputs}), h = torch::randn({rows, hidden}), c = torch::randn({rows, hidden});
      const auto w_ih = torch::randn({4 * hidden, inputs}), w_hh = torch::randn({4 * hidden, hidden});
      const auto b_ih = torch::randn({4 * hidden}), b_hh = torch::randn({4 * hidden});
      const auto [expected_h, expected_c] = torch::lstm_cell(x, {h, c}, w_ih, w_hh, b_ih, b_hh);

      const auto gates = in_cell_order(torch::addmm(b_ih + b_hh, x, w_ih.t()).addmm_(h, w_hh.t()));
      const auto result = fused(gates, c);
      EXPECT_TRUE(torch::allclose(result.cell, expected_c, 1e-5, 1e-5)) << "hidden " << hidden << " rows " << rows;
      EXPECT_TRUE(torch::allclose(result.hidden, expected_h, 1e-5, 1e-5)) << "hidden " << hidden << " rows " << rows;
    }
  }
}

// The operators the decoding step ran before lstm_cell, on the same gates.
CellResult libtorch_operators(const torch::Tensor& gates_in_cell_order, const torch::Tensor& c) {
  const int64_t H = c.size(1);
  auto gates = gates_in_cell_order.clone();
  gates.slice(1, 0, 3 * H).sigmoid_();
  gates.slice(1, 3 * H, 4 * H).tanh_();
  auto cell = gates.slice(1, H, 2 * H) * c;
  cell.addcmul_(gates.slice(1, 0, H), gates.slice(1, 3 * H, 4 * H));
  return {cell, gates.slice(1, 2 * H, 3 * H) * torch::tanh(cell)};
}

TEST(LstmCell, GivesLibTorchsOperatorsNumbersBitForBit) {
  const char* capability = std::getenv("ATEN_CPU_CAPABILITY");
  if (capability != nullptr && std::string(capability) == "avx512") {
    GTEST_SKIP() << "ATen's AVX512 kernels (opt-in) have 16 lanes: lstm_cell rounds as its AVX2 ones";
  }
  torch::manual_seed(4);
  for (const int64_t hidden : kHiddenSizes) {
    const int64_t rows = 9;
    // Wide enough to reach saturation, the tails of exp and tanh.
    const auto gates = torch::randn({rows, 4 * hidden}) * 6, c = torch::randn({rows, hidden}) * 3;
    const auto expected = libtorch_operators(gates, c);
    const auto result = fused(gates, c);
    EXPECT_TRUE(torch::equal(result.cell, expected.cell))
        << "hidden " << hidden << ": cells differ by up to " << (result.cell - expected.cell).abs().max().item<float>();
    EXPECT_TRUE(torch::equal(result.hidden, expected.hidden))
        << "hidden " << hidden << ": hidden states differ by up to "
        << (result.hidden - expected.hidden).abs().max().item<float>();
  }
}

TEST(LstmCell, NextCellMayOverwriteTheCell) {
  torch::manual_seed(5);
  const int64_t rows = 3, hidden = 20;
  const auto gates = torch::randn({rows, 4 * hidden}), c = torch::randn({rows, hidden});
  const auto expected = fused(gates, c);
  auto in_place = c.clone();
  auto scratch = gates.clone();
  auto h = torch::empty({rows, hidden});
  lstm_cell(scratch.data_ptr<float>(), in_place.data_ptr<float>(), in_place.data_ptr<float>(), h.data_ptr<float>(),
            rows, hidden);
  EXPECT_TRUE(torch::equal(in_place, expected.cell));
  EXPECT_TRUE(torch::equal(h, expected.hidden));
}

}  // namespace
