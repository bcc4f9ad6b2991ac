// The dslc command: emit kinds, exit codes, --run and its input errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class Cli : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("dslc_cli_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  }
  // Arguments are passed through the shell: quote rule text with single quotes.
  Result run(const std::string& args, const std::string& input = "") {
    const fs::path in = write("stdin.txt", input);
    const std::string cmd = std::string("'") + NOS_DSLC_BIN + "' " + args + " <'" + in.string() + "' >'" +
                            (dir / "out.txt").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }
};

TEST_F(Cli, EmitKinds) {
  EXPECT_EQ(run("-e 'mul exp mul sign_g sign_m g'").out, "mul g exp mul sign_g sign_m\n");
  EXPECT_EQ(run("--emit=infix -e 'sign_g sign_m id id mul ; $1 g exp id mul'").out, "g * exp(sign(g) * sign(m))\n");
  EXPECT_EQ(run("--emit=latex -e 'mul m exp v'").out, "\\hat{m} \\cdot e^{\\hat{v}}\n");
  const Result info = run("--emit=info -e 'adam'");
  EXPECT_EQ(info.code, 0);
  EXPECT_NE(info.out.find("state:         m v"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("bytes/param:   8"), std::string::npos);
  EXPECT_NE(info.out.find("hash:          "), std::string::npos);
  const Result ir = run("--emit=ir -e 'mul g exp mul sign_g sign_m'");
  EXPECT_NE(ir.out.find("m = beta1*m + (1-beta1)*g"), std::string::npos) << ir.out;
  EXPECT_EQ(ir.out.find("v = beta2"), std::string::npos);
  EXPECT_NE(ir.out.find("w = w - lr * %"), std::string::npos);
  EXPECT_NE(run("--emit=ast -e 'mul g g'").out.find("binary mul  @1:1"), std::string::npos);
}

TEST_F(Cli, FileWithSeveralRulesInOrderAndStdin) {
  const fs::path f = write("r.rules", "a: g\n# comment\nb: mul g g\nadd m m\n");
  const Result r = run("'" + f.string() + "'");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "a: g\nb: g2\nmul m two\n");
  EXPECT_EQ(run("-", "x: sub g neg m\n").out, "x: add g m\n");
  // -o writes the output file
  const fs::path o = dir / "o.txt";
  EXPECT_EQ(run("-e g -o '" + o.string() + "'").code, 0);
  EXPECT_EQ(slurp(o), "g\n");
}

TEST_F(Cli, PaperRulesFileCompiles) {
  const Result r = run("--emit=info '" NOS_RULES_DIR "/paper.rules'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("rule:          t1_16"), std::string::npos);
}

// -e NAME: a text that is not a rule is looked up as a name of the rules file (given, or found from
// the working directory: the test's temporary one holds none, so it is given) or a baseline.
TEST_F(Cli, ExprNamesARuleOfTheRulesFileOrABaseline) {
  const std::string rules = " --rules '" NOS_RULES_DIR "/paper.rules'";
  EXPECT_EQ(run("-e powersign" + rules).out, "powersign: mul g exp mul sign_g sign_m\n");
  EXPECT_EQ(run("--emit=infix -e momentum" + rules).out, "momentum: mom\n");
  EXPECT_NE(run("--emit=torch -e powersign" + rules).out.find("class Powersign(torch.optim.Optimizer)"),
            std::string::npos);
  const fs::path own = write("own.rules", "mine: mul g g\n");
  EXPECT_EQ(run("-e mine --rules '" + own.string() + "'").out, "mine: g2\n");
  EXPECT_EQ(run("-e adam" + rules).out, "adam\n");  // a rule first: the adam operand, unnamed
  const Result unknown = run("-e powersigm" + rules);
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("<expr>:1:1: error: unknown symbol 'powersigm'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("dslc: -e powersigm: not a rule, and as a name: unknown optimizer 'powersigm'"),
            std::string::npos)
      << unknown.err;
  const Result no_file = run("-e powersign --rules '" + (dir / "none.rules").string() + "'");
  EXPECT_EQ(no_file.code, 1);
  EXPECT_NE(no_file.err.find("cannot read rules file"), std::string::npos) << no_file.err;
}

TEST_F(Cli, InputErrorsExitOne) {
  const Result r = run("-e 'mul exp mul sign_g sgn_m g'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "<expr>:1:20: error: unknown symbol 'sgn_m'; did you mean 'sign_m'?\n");
  EXPECT_EQ(r.out, "");
  const fs::path f = write("bad.rules", "ok: g\nbad: mul g\n");
  const Result rf = run("'" + f.string() + "'");
  EXPECT_EQ(rf.code, 1);
  EXPECT_EQ(rf.err,
            f.string() +
                ":2:11: error: missing operand: the rule ends before 'mul' at 2:6 has its 2nd operand (it takes 2)\n");
  EXPECT_EQ(run("'" + (dir / "missing.rules").string() + "'").code, 1);
  EXPECT_EQ(run("-", "# nothing\n").code, 1);
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run("--bogus").code, 2);
  EXPECT_EQ(run("").code, 2);                     // no input
  EXPECT_EQ(run("-e g some.rules").code, 2);      // two inputs
  EXPECT_EQ(run("--emit=bitcode -e g").code, 2);  // not an emit kind
  EXPECT_EQ(run("--run -e g").code, 2);           // --run without --w0/--grads
  EXPECT_EQ(run("--run --backend=gpu --w0 1 --grads x -e g").code, 2);
  const Result beta = run("--run --beta1 1 --w0 1 --grads x -e g");
  EXPECT_EQ(beta.code, 2);
  EXPECT_EQ(beta.err, "dslc: beta1 must be in [0, 1)\n");
  EXPECT_EQ(run("--run --lr abc --w0 1 --grads x -e g").code, 2);
  const fs::path two = write("two.rules", "g\nm\n");
  const fs::path grads = write("g.csv", "1\n");
  EXPECT_EQ(run("--run --w0 1 --grads '" + grads.string() + "' '" + two.string() + "'").code, 2);
  const Result help = run("--help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--emit"), std::string::npos);
}

TEST_F(Cli, RunPrintsWeightsAfterEveryStep) {
  const fs::path g = write("g.csv", "0.5,-1\n0.25, 2\n\n1e-1,0\n");
  const Result r = run("--run --lr 0.1 --w0 1,2 --grads '" + g.string() + "' -e 'g'");
  ASSERT_EQ(r.code, 0) << r.err;
  // SGD: w -= 0.1 * g, printed with %.9g
  EXPECT_EQ(r.out, "0.95,2.1\n0.925,1.9\n0.915,1.9\n");

  // PowerSign: m follows g; exp(+1) when signs agree, exp(-1) when they do not, exp(0) for g = 0.
  const fs::path g2 = write("g2.csv", "1,-1,0\n-1,-1,1\n");
  const Result ps = run("--run --lr 1 --w0 0,0,0 --grads '" + g2.string() + "' -e 'mul exp mul sign_g sign_m g'");
  ASSERT_EQ(ps.code, 0) << ps.err;
  char want[256];
  const double e = std::exp(1.0);
  // step 1: m = 0.1 g, so the signs agree wherever g != 0.
  // step 2: m = 0.09 g1 + 0.1 g2 = -0.01, -0.19, 0.1: the signs agree again.
  std::snprintf(want, sizeof want, "%.9g,%.9g,%.9g\n%.9g,%.9g,%.9g\n", -e, e, 0.0, -e + e, e + e, -e);
  EXPECT_EQ(ps.out, want);
}

TEST_F(Cli, RunInputErrorsNameTheLine) {
  const fs::path ragged = write("ragged.csv", "1,2\n3\n");
  Result r = run("--run --w0 1,2 --grads '" + ragged.string() + "' -e g");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, ragged.string() + ":2: expected 2 values (one per weight), found 1\n");
  const fs::path nan = write("nan.csv", "1,2\n\n3,abc\n");
  r = run("--run --w0 1,2 --grads '" + nan.string() + "' -e g");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, nan.string() + ":3: value 2: 'abc' is not a number\n");
  r = run("--run --w0 1,x --grads '" + nan.string() + "' -e g");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "dslc: --w0: value 2: 'x' is not a number\n");
  EXPECT_EQ(run("--run --w0 1,2 --grads '" + (dir / "none.csv").string() + "' -e g").code, 1);
  const fs::path empty = write("empty.csv", "\n\n");
  EXPECT_EQ(run("--run --w0 1 --grads '" + empty.string() + "' -e g").code, 1);
}

TEST_F(Cli, RunUsesTotalStepsForDecay) {
  const fs::path g = write("g.csv", "1\n1\n1\n1\n");
  // ld over 4 steps (the number of lines): 1, 0.75, 0.5, 0.25.
  EXPECT_EQ(run("--run --lr 1 --w0 0 --grads '" + g.string() + "' -e ld").out, "-1\n-1.75\n-2.25\n-2.5\n");
  // --total-steps 2: 1, 0.5, 0, 0.
  EXPECT_EQ(run("--run --lr 1 --total-steps 2 --w0 0 --grads '" + g.string() + "' -e ld").out,
            "-1\n-1.5\n-1.5\n-1.5\n");
}

}  // namespace

namespace {

std::vector<double> numbers(const std::string& text) {
  std::vector<double> v;
  std::string tok;
  std::stringstream ss(text);
  while (std::getline(ss, tok, ',')) {
    std::stringstream line(tok);
    std::string part;
    while (line >> part) v.push_back(std::stod(part));
  }
  return v;
}

TEST_F(Cli, EmitLlvmAndAsm) {
  const Result ll = run("--emit=llvm -e 'mul g exp mul sign_g sign_m'");
  ASSERT_EQ(ll.code, 0) << ll.err;
  EXPECT_NE(ll.out.find("define void @nos_rule_"), std::string::npos) << ll.out;
  EXPECT_NE(ll.out.find(" x float>"), std::string::npos) << "vector types";
  EXPECT_EQ(ll.out.find("@expf"), std::string::npos) << "no libm call";
  const fs::path f = write("r.rules", "powersign: mul g exp mul sign_g sign_m\nsgd_v2: g\n");
  const Result named = run("--emit=llvm '" + f.string() + "'");
  ASSERT_EQ(named.code, 0) << named.err;
  EXPECT_NE(named.out.find("# powersign\n"), std::string::npos);
  EXPECT_NE(named.out.find("define void @powersign("), std::string::npos);
  EXPECT_NE(named.out.find("define void @sgd_v2("), std::string::npos);
  const Result s = run("--emit=asm -e adam");
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("nos_rule_"), std::string::npos);
  EXPECT_NE(s.out.find("ret"), std::string::npos);
}

// --backend=jit runs the float32 kernel; it agrees with the double interpreter to float precision.
TEST_F(Cli, RunJitAgreesWithInterp) {
  const fs::path grads = write("g.csv", "0.5,-0.25,1e-3\n0.1,0.2,-0.3\n\n-1,2,0\n");
  for (const char* rule : {"adam", "mul g exp mul sign_g sign_m", "add drop3 m mul 0.1 noise", "mul g ld"}) {
    const std::string common = " --w0 1,2,-3 --grads '" + grads.string() + "' --seed 4 -e '" + rule + "'";
    const Result a = run("--run --backend=interp" + common);
    const Result b = run("--run --backend=jit" + common);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.code, 0) << b.err;
    const auto x = numbers(a.out), y = numbers(b.out);
    ASSERT_EQ(x.size(), 9u);
    ASSERT_EQ(y.size(), 9u) << b.out;
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-6 * std::max(1.0, std::fabs(x[i]))) << rule;
  }
}

}  // namespace

// Inputs that are not files, and outputs that cannot be written, are errors with exit code 1
// (never an abort, never exit 0 with an empty file).
TEST_F(Cli, DirectoriesHugeInputsAndFullDisksAreClearErrors) {
  Result r = run("'" + dir.string() + "'");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot read " + dir.string() + ": Is a directory"), std::string::npos) << r.err;
  r = run("--run --w0 1 --grads '" + dir.string() + "' -e g");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot read --grads " + dir.string() + ": Is a directory"), std::string::npos) << r.err;
  r = run("/dev/zero");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("larger than 64 MiB"), std::string::npos) << r.err;
  if (fs::exists("/dev/full")) {
    r = run("-o /dev/full -e g");
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("cannot write /dev/full: No space left on device"), std::string::npos) << r.err;
    const fs::path g = write("g.csv", "1\n2\n");
    r = run("--run --w0 1 --grads '" + g.string() + "' -o /dev/full -e g");
    EXPECT_EQ(r.code, 1) << r.err;
    // Standard output on a full disk too.
    const int status =
        std::system((std::string("'") + NOS_DSLC_BIN + "' -e g >/dev/full 2>'" + (dir / "e").string() + "'").c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1);
    EXPECT_NE(slurp(dir / "e").find("cannot write standard output"), std::string::npos) << slurp(dir / "e");
  }
}

TEST_F(Cli, EmptyArgumentsSayWhatIsEmpty) {
  Result r = run("-e ''");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("<expr>:1:1: error: -e got an empty rule"), std::string::npos) << r.err;
  const fs::path g = write("g.csv", "1\n");
  r = run("--run --w0 '' --grads '" + g.string() + "' -e g");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("--w0 is empty"), std::string::npos) << r.err;
  const fs::path comments = write("c.rules", "# only a comment\n");
  r = run("'" + comments.string() + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(comments.string() + ":1:1: error: no rules"), std::string::npos) << r.err;
}
