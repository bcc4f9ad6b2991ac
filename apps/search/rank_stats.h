// How well one scoring of a set of rules ranks them like another (calibration.h): rank
// correlations and top-k agreement, ties handled as statistics packages do (SciPy's spearmanr and
// kendalltau give the same numbers).
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace nos::search {

// Ranks 1..n of x (ties get the average of the ranks they span).
std::vector<double> average_ranks(std::span<const double> x);
// Spearman's rho: the Pearson correlation of the average ranks. NaN when either side is constant
// or fewer than 2 values; x and y must have equal sizes.
double spearman(std::span<const double> x, std::span<const double> y);
// Kendall's tau-b (ties in x or y corrected). NaN when either side is constant or fewer than 2.
double kendall_tau_b(std::span<const double> x, std::span<const double> y);
// How many of the k best of x (highest values; ties at the boundary go to the lower index) are
// among the k best of y.
std::size_t top_k_overlap(std::span<const double> x, std::span<const double> y, std::size_t k);
// Indices of the k highest values (ties to the lower index), best first.
std::vector<std::size_t> top_k(std::span<const double> x, std::size_t k);

}  // namespace nos::search
