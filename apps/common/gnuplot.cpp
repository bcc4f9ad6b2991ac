#include "apps/common/gnuplot.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "apps/common/run_files.h"

namespace nos::app {

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

std::string gnuplot_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else out += c;
  }
  return out + "'";
}

void plot_png_svg(const std::filesystem::path& workdir, std::string_view stem, std::string_view commands, int width,
                  int height) {
  if (!gnuplot_available())
    throw std::runtime_error("gnuplot not found on PATH (Debian package gnuplot-nox; `make setup` installs it)");
  struct Format {
    const char* ext;
    const char* terminal;
  };
  // gnuplot_quote's '' doubling is gnuplot syntax, not the shell's: the same quoting serves the
  // shell command below only for paths without quotes.
  if (workdir.string().find('\'') != std::string::npos || stem.find('\'') != std::string_view::npos)
    throw std::runtime_error(fmt::format("cannot plot into {}: a quote in the path", workdir.string()));
  const std::array<Format, 2> formats{{{"png", "pngcairo noenhanced"}, {"svg", "svg noenhanced"}}};
  for (const auto& f : formats) {
    const auto script_path = workdir / fmt::format("{}.{}.gp", stem, f.ext);
    const auto err_path = workdir / fmt::format("{}.{}.gp.err", stem, f.ext);
    const std::string script = fmt::format("set terminal {} size {},{}\nset output {}\n{}\nunset output\n", f.terminal,
                                           width, height, gnuplot_quote(fmt::format("{}.{}", stem, f.ext)), commands);
    write_file_atomic(script_path, script);
    // The script stays beside the figure so a user can tweak and re-run it.
    const std::string cmd =
        fmt::format("cd {} && gnuplot {} 2> {}", gnuplot_quote(workdir.string()),
                    gnuplot_quote(script_path.filename().string()), gnuplot_quote(err_path.filename().string()));
    const int rc = std::system(cmd.c_str());
    std::string err;
    try {
      err = read_file(err_path);
    } catch (const std::exception&) {
    }
    std::filesystem::remove(err_path);
    if (rc != 0 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
      throw std::runtime_error(fmt::format("gnuplot failed on {}: {}", script_path.string(), err));
  }
}

}  // namespace nos::app
