#include "apps/search/fidelity.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace nos::search {
namespace {

[[noreturn]] void bad(std::string_view flag, std::string_view spec, const std::string& why) {
  throw std::invalid_argument(fmt::format("{} '{}': {}", flag, spec, why));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t from = 0;;) {
    const size_t at = s.find(sep, from);
    out.push_back(s.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
    if (at == std::string_view::npos) return out;
    from = at + 1;
  }
}

template <typename T>
T positive(std::string_view flag, std::string_view spec, std::string_view key, std::string_view v) {
  T x{};
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || !(x > 0) || (std::is_floating_point_v<T> && !std::isfinite(x)))
    bad(flag, spec, fmt::format("{}={}: expected a positive {}", key, v, std::is_integral_v<T> ? "integer" : "number"));
  return x;
}

std::string join_rates(const std::vector<double>& rates) {
  if (rates == paper_rates()) return "paper";
  std::string s;
  for (double r : rates) s += fmt::format("{}{:g}", s.empty() ? "" : "/", r);
  return s;
}

}  // namespace

const std::vector<double>& paper_rates() {
  static const std::vector<double> r = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  return r;
}

Fidelity parse_fidelity(std::string_view spec, const Fidelity& base, std::string_view flag) {
  Fidelity f = base;
  f.seeds = 1;
  const size_t colon = spec.find(':');
  f.name = std::string(spec.substr(0, colon));
  if (f.name.empty()) bad(flag, spec, "expected NAME or NAME:key=value,...");
  for (char c : f.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      bad(flag, spec, fmt::format("the name '{}' may hold letters, digits, '-', '_' and '.' only", f.name));
  if (colon == std::string_view::npos) return f;
  for (std::string_view kv : split(spec.substr(colon + 1), ',')) {
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == kv.size())
      bad(flag, spec, fmt::format("'{}' is not key=value", kv));
    const std::string_view k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "train") {
      f.train_images = positive<std::int64_t>(flag, spec, k, v);
    } else if (k == "val") {
      f.val_images = positive<std::int64_t>(flag, spec, k, v);
    } else if (k == "rates") {
      if (v == "paper") {
        f.reward.sweep_rates = paper_rates();
      } else {
        f.reward.sweep_rates.clear();
        for (std::string_view r : split(v, '/')) f.reward.sweep_rates.push_back(positive<double>(flag, spec, k, r));
      }
    } else if (k == "sweep-epochs") {
      f.reward.sweep_epochs = positive<int>(flag, spec, k, v);
    } else if (k == "final-epochs") {
      f.reward.final_epochs = positive<int>(flag, spec, k, v);
    } else if (k == "batch") {
      f.reward.batch = positive<std::int64_t>(flag, spec, k, v);
    } else if (k == "seeds") {
      f.seeds = positive<int>(flag, spec, k, v);
    } else if (k == "sweep-halving") {
      const size_t at = v.find(':');
      f.reward.sweep_halving.eta = positive<int>(flag, spec, k, v.substr(0, at));
      f.reward.sweep_halving.rungs = at == std::string_view::npos ? 3 : positive<int>(flag, spec, k, v.substr(at + 1));
      if (auto why = app::validate(f.reward.sweep_halving); !why.empty())
        bad(flag, spec, fmt::format("{}={}: {}", k, v, why));
    } else {
      bad(flag, spec,
          fmt::format(
              "unknown key '{}' (keys: train, val, rates, sweep-epochs, final-epochs, batch, seeds, sweep-halving)",
              k));
    }
  }
  return f;
}

std::string fidelity_spec(const Fidelity& f) {
  std::string s = fmt::format("{}:train={},val={},rates={},sweep-epochs={},final-epochs={},batch={},seeds={}", f.name,
                              f.train_images, f.val_images, join_rates(f.reward.sweep_rates), f.reward.sweep_epochs,
                              f.reward.final_epochs, f.reward.batch, f.seeds);
  if (f.reward.sweep_halving.rungs > 1)
    s += fmt::format(",sweep-halving={}:{}", f.reward.sweep_halving.eta, f.reward.sweep_halving.rungs);
  return s;
}

RewardConfig reward_of(const Fidelity& f, int seed) {
  RewardConfig r = f.reward;
  r.seed = f.reward.seed + static_cast<std::uint64_t>(seed);
  return r;
}

ChildDataConfig data_of(const Fidelity& f, const ChildDataConfig& base) {
  ChildDataConfig d = base;
  d.train_images = f.train_images;
  d.val_images = f.val_images;
  return d;
}

nlohmann::json child_protocol(const Fidelity& f, int seed) {
  const RewardConfig r = reward_of(f, seed);
  nlohmann::json p = {{"reward", "child"},
                      {"network", "convnet"},
                      {"pooling", r.pooling},
                      {"padding", r.padding},
                      {"sweep_rates", r.sweep_rates},
                      {"sweep_epochs", r.sweep_epochs},
                      {"final_epochs", r.final_epochs},
                      {"batch", r.batch},
                      {"train_images", f.train_images},
                      {"val_images", f.val_images},
                      {"seed", r.seed},
                      {"failed_reward", r.failed_reward},
                      {"score", "validation accuracy after the final run at the sweep's best rate"}};
  // Only when on, so that every protocol from before it keeps its hash.
  if (r.sweep_halving.rungs > 1) p["sweep_halving"] = {{"eta", r.sweep_halving.eta}, {"rungs", r.sweep_halving.rungs}};
  return p;
}

double relative_cost(const Fidelity& f, const Fidelity& ref) {
  auto cost = [](const Fidelity& x) {
    const double rates = static_cast<double>(x.reward.sweep_rates.size() > 1 ? x.reward.sweep_rates.size() : 0);
    const double train = static_cast<double>(x.train_images) * (rates * x.reward.sweep_epochs + x.reward.final_epochs);
    // A validation pass costs about a third of a training pass per image (forward only).
    const double val = static_cast<double>(x.val_images) * (rates + 1) / 3.0;
    return (train + val) * x.seeds;
  };
  return cost(f) / cost(ref);
}

}  // namespace nos::search
