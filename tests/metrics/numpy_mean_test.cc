#include "metrics/numpy_mean.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace captioner::metrics {
namespace {

TEST(NumpyMean, EmptyIsNan) { EXPECT_TRUE(std::isnan(numpy_mean({}))); }

TEST(NumpyMean, FewValuesAreSummedInOrder) {
  // (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3) in binary64: the order is visible.
  EXPECT_EQ(numpy_mean({0.1, 0.2, 0.3}), ((0.1 + 0.2) + 0.3) / 3);
}

TEST(NumpyMean, EightAccumulatorsFromEightValues) {
  std::vector<double> values;
  for (int i = 0; i < 11; ++i) values.push_back(0.1 * (i + 1));
  double r[8];
  for (int j = 0; j < 8; ++j) r[j] = values[j];
  double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
  for (int i = 8; i < 11; ++i) sum += values[i];
  EXPECT_EQ(numpy_mean(values), sum / 11);
}

// More than 128 values: numpy splits the array in two halves (rounded down to a multiple
// of 8) and sums each pairwise. Expected values from numpy 2.4.6 (np.mean(np.array(v)) with
// v = [i*0.1 + 1/(i+3) for i in range(n)]); a left-to-right sum gives a different last bit
// for both sizes (6.430668410279475 and 50.00598248239208).
std::vector<double> generated(int n) {
  std::vector<double> values;
  for (int i = 0; i < n; ++i) values.push_back(static_cast<double>(i) * 0.1 + 1.0 / static_cast<double>(i + 3));
  return values;
}

double naive_mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (const double value : values) sum += value;
  return sum / static_cast<double>(values.size());
}

TEST(NumpyMean, MoreThanOneBlockSplitsInHalves) {
  const std::vector<double> values = generated(129);  // 64 + 65
  EXPECT_EQ(numpy_mean(values), 0x1.9b90123c6485bp+2);  // 6.430668410279476
  EXPECT_NE(numpy_mean(values), naive_mean(values));
}

TEST(NumpyMean, RecursiveSplitsOnALongArray) {
  const std::vector<double> values = generated(1001);  // 496 + 505, each split again
  EXPECT_EQ(numpy_mean(values), 0x1.900c408b31c8cp+5);  // 50.00598248239211
  EXPECT_NE(numpy_mean(values), naive_mean(values));
}

TEST(NumpyMean, SumStartsFromPositiveZero) {
  // numpy.sum([-0.0]) is 0.0: the reduction adds its identity 0.0 to the pairwise -0.0.
  EXPECT_FALSE(std::signbit(numpy_sum(std::vector<double>{-0.0}.data(), 1)));
  EXPECT_FALSE(std::signbit(numpy_mean({-0.0, -0.0})));
}

}  // namespace
}  // namespace captioner::metrics
