#include "apps/search/run_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "apps/common/run_files.h"
#include "nn/data/data_path.h"

namespace nos::search {
namespace {

// config.json key -> command-line flag: max_kl -> max-kl.
std::string flag_of(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

// The settings of a config.json, without the derived sections.
nlohmann::json settings_of(nlohmann::json j) {
  j.erase(kDataSetKey);
  j.erase(kProtocolKey);
  return j;
}

nlohmann::json derived_of(const nlohmann::json& j) {
  nlohmann::json d = nlohmann::json::object();
  for (const char* k : {kDataSetKey, kProtocolKey})
    if (j.contains(k)) d[k] = j[k];
  return d;
}

const char* relative_path_of(const std::string& dataset) {
  return dataset == "cifar10" ? "cifar-10-batches-bin" : "fashion-mnist";
}

}  // namespace

void create_run_dir(const app::RunDir& d, const SearchConfig& c) {
  const RunPaths p{.dir = d.path()};
  if (std::filesystem::exists(p.config()))
    throw std::runtime_error(
        fmt::format("{} already holds a search run (config.json exists): continue it with "
                    "--resume {} or choose another --dir",
                    p.dir.string(), p.dir.string()));
  for (const auto& f : {p.evaluations(), p.checkpoint(), p.cache()})
    if (std::filesystem::exists(f))
      throw std::runtime_error(
          fmt::format("{} exists but {} does not: the directory holds part of a run; choose "
                      "another --dir",
                      f.string(), p.config().string()));
  d.write_config(to_json(c));
}

void abandon_new_run(const RunPaths& p, bool remove_dir) {
  std::error_code ec;
  if (std::filesystem::exists(p.checkpoint(), ec)) return;
  if (std::filesystem::exists(p.evaluations(), ec) && std::filesystem::file_size(p.evaluations(), ec) > 0) return;
  for (const auto& f : {p.config(), p.evaluations(), p.cache()}) std::filesystem::remove(f, ec);
  if (remove_dir) {
    std::filesystem::remove(p.dir / ".lock", ec);
    std::filesystem::remove(p.dir, ec);  // only if empty
  }
}

namespace {
SearchConfig parse_config(const nlohmann::json& j, const std::filesystem::path& file) {
  SearchConfig c = config_from_json(with_absent_keys(j, file.string()), file.string());
  if (auto why = validate(c); !why.empty()) throw std::runtime_error(fmt::format("{}: {}", file.string(), why));
  return c;
}

nlohmann::json read_json(const RunPaths& p) {
  if (!std::filesystem::exists(p.config()))
    throw std::runtime_error(
        fmt::format("{}: missing: {} is not a nos-search run directory", p.config().string(), p.dir.string()));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(app::read_file(p.config()));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not valid JSON ({})", p.config().string(), e.what()));
  }
  return j;
}
}  // namespace

SearchConfig read_run_config(const RunPaths& p) { return parse_config(read_json(p), p.config()); }

SearchConfig resume_config(const app::RunDir& d, const SearchConfig& cli, const std::set<std::string>& given) {
  const RunPaths p{.dir = d.path()};
  const nlohmann::json file = read_json(p);
  (void)parse_config(file, p.config());  // a damaged or unknown config.json is reported as such first
  const nlohmann::json stored = with_absent_keys(settings_of(file), p.config().string());
  const app::Resumed r = app::resume_settings(stored, to_json(cli), &given, config_rules());
  if (r.conflict)
    throw std::runtime_error(
        fmt::format("--resume {}: --{} is {} on the command line but {} in {}; a resumed run "
                    "keeps its settings (only the budget, workers, data location and output "
                    "may change)",
                    p.dir.string(), flag_of(r.conflict->key), r.conflict->asked.dump(), r.conflict->stored.dump(),
                    p.config().string()));
  SearchConfig out = config_from_json(r.settings, p.config().string());
  if (auto why = validate(out); !why.empty())
    throw std::runtime_error(fmt::format("--resume {}: {}", p.dir.string(), why));
  d.write_config(r.settings, derived_of(file));
  return out;
}

nlohmann::json resolved_data_set(const SearchConfig& c, const std::string& resolved) {
  if (c.reward != "child") return {{"dataset", "synthetic"}};
  std::string name = resolved;
  nlohmann::json path;  // null when this process cannot see the data (rank 0 on another host)
  if (name.empty() && c.dataset != "auto") name = c.dataset;
  try {
    if (name.empty()) {
      // load_child_data's rule: CIFAR-10 when found, else Fashion-MNIST.
      try {
        path = data::find_dataset(relative_path_of("cifar10"), c.data).string();
        name = "cifar10";
      } catch (const std::exception&) {
        path = data::find_dataset(relative_path_of("fashion-mnist"), c.data).string();
        name = "fashion-mnist";
      }
    } else {
      path = data::find_dataset(relative_path_of(name), c.data).string();
    }
  } catch (const std::exception&) {
    path = nullptr;
  }
  nlohmann::json j = {{"dataset", name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name)},
                      {"requested", c.dataset},
                      {"path", path},
                      {"train_images", c.train_images},
                      {"val_images", c.val_images}};
  if (path.is_null()) j["note"] = "not visible to the process that wrote this; the worker ranks loaded it";
  return j;
}

void record_resolution(RunPaths& p, const SearchConfig& c, const nlohmann::json& data_set) {
  nlohmann::json file = read_json(p);
  if (file.contains(kDataSetKey)) {
    const auto& was = file[kDataSetKey];
    const auto name = [](const nlohmann::json& j) { return j.contains("dataset") ? j["dataset"] : nlohmann::json(); };
    // A change of reward kind (synthetic <-> child) is the checkpoint's to report (driver.cpp).
    const auto real = [&](const nlohmann::json& j) { return !name(j).is_null() && name(j) != "synthetic"; };
    if (real(was) && real(data_set) && name(was) != name(data_set))
      throw std::runtime_error(
          fmt::format("{}: the run's child networks trained on {} ({}), but --dataset {} now "
                      "finds {} ({}); its rewards would not be comparable: make the data set "
                      "it used visible again (--data) or start a new run",
                      p.config().string(), name(was).dump(), was.value("path", nlohmann::json()).dump(), c.dataset,
                      name(data_set).dump(), data_set.value("path", nlohmann::json()).dump()));
  }
  const nlohmann::json protocol = reward_protocol(c);
  file[kDataSetKey] = data_set;
  file[kProtocolKey] = protocol;
  app::write_file_atomic(p.config(), file.dump(2) + "\n");
  p.record_fields = {{kDataSetKey, data_set}, {kProtocolKey, protocol}};
}

}  // namespace nos::search
