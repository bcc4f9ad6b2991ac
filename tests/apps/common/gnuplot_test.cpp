#include "apps/common/gnuplot.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "apps/common/run_files.h"

namespace fs = std::filesystem;
using namespace nos::app;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("nos-gnuplot-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST(Gnuplot, QuoteDoublesSingleQuotes) { EXPECT_EQ(gnuplot_quote("it's"), "'it''s'"); }

TEST(Gnuplot, WritesPngAndSvgOfTheSameFigure) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const auto dir = fresh_dir("ok");
  std::ofstream(dir / "curve.dat") << "1 0.1\n2 0.4\n3 0.35\n";
  plot_png_svg(dir, "curve", "set xlabel 'sample'\nplot 'curve.dat' using 1:2 with linespoints title 'reward'");
  const std::string png = read_file(dir / "curve.png");
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const std::string svg = read_file(dir / "curve.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("reward"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "curve.png.gp"));  // kept for re-running by hand
  fs::remove_all(dir);
}

TEST(Gnuplot, ScriptErrorsCarryGnuplotsMessage) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const auto dir = fresh_dir("bad");
  try {
    plot_png_svg(dir, "bad", "plot 'missing.dat' using 1:2");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.dat"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
