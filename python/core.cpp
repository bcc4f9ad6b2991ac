// nos._core: the pybind11 bindings under the Python package nos (python/nos/). Binds the public
// optim::Optimizer and dslc's printers; everything Python-shaped (torch, numpy checks, parameter
// groups) lives in the .py files. Exceptions map to Python's: std::invalid_argument -> ValueError,
// everything else -> RuntimeError, so a bad rule or bad tensor never crashes the interpreter.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include "dslc/compile.h"
#include "dslc/emit_python.h"
#include "dslc/parser.h"
#include "dslc/print.h"
#include "optim/optimizer.h"

namespace py = pybind11;
using nos::optim::Optimizer;

namespace {

// `name` names the rule as a rule file's "name: rule" line would (the port's class).
nos::dslc::Compiled compile_rule(const std::string& text, const std::string& name = "") {
  nos::dslc::ParseResult p = nos::dslc::parse_rule(text, "<rule>");
  if (!p.ok()) {
    std::string msg = "bad rule";
    for (const auto& d : p.errors) msg += "\n" + d.str();
    throw std::invalid_argument(msg);
  }
  if (p.rules.size() != 1) throw std::invalid_argument("expected one rule, got " + std::to_string(p.rules.size()));
  p.rules[0].name = name;
  return nos::dslc::compile(p.rules[0]);
}

nos::optim::ScheduleKind schedule_kind(const std::string& s) {
  using K = nos::optim::ScheduleKind;
  if (s == "constant") return K::Constant;
  if (s == "step") return K::Step;
  if (s == "cosine") return K::Cosine;
  if (s == "linear_cosine") return K::LinearCosine;
  if (s == "noisy_linear_cosine") return K::NoisyLinearCosine;
  throw std::invalid_argument("schedule: unknown schedule '" + s +
                              "' (expected constant, step, cosine, linear_cosine or noisy_linear_cosine)");
}

// An optimizer plus the Python objects whose memory it steps (numpy arrays, torch tensors), so
// they live at least as long as it does.
struct PyOptimizer {
  Optimizer opt;
  py::list keep;
};

// A float32, C-contiguous numpy array (writable for weights): zero copy, or a clear error.
float* float_buffer(const py::array& a, const char* what, bool writable) {
  if (!py::isinstance<py::array_t<float>>(a))
    throw std::invalid_argument(std::string(what) + ": expected a float32 array, got " +
                                std::string(py::str(a.dtype())));
  if (!(a.flags() & py::array::c_style))
    throw std::invalid_argument(std::string(what) + ": the array is not C-contiguous");
  if (writable && !a.writeable()) throw std::invalid_argument(std::string(what) + ": the array is read-only");
  return static_cast<float*>(const_cast<void*>(a.data()));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "nos JIT-compiled optimizers (bindings; use nos.Optimizer, nos.torch.Optimizer, nos.dslc)";

  py::class_<PyOptimizer>(m, "Optimizer")
      .def(py::init([](const std::string& rule, double lr, double beta1, double beta2, double beta3, double eps,
                       double mu, double lion_beta2, uint64_t total_steps, uint64_t seed, int threads,
                       const std::string& schedule, uint64_t decay_steps, double decay_rate, double alpha) {
             nos::optim::OptimizerOptions o;
             o.hyper = {.lr = lr,
                        .beta1 = beta1,
                        .beta2 = beta2,
                        .beta3 = beta3,
                        .eps = eps,
                        .mu = mu,
                        .lion_beta2 = lion_beta2,
                        .total_steps = total_steps,
                        .seed = seed};
             o.threads = threads;
             o.schedule = {
                 .kind = schedule_kind(schedule), .decay_steps = decay_steps, .decay_rate = decay_rate, .alpha = alpha};
             return new PyOptimizer{Optimizer(rule, o), py::list()};
           }),
           py::arg("rule"), py::kw_only(), py::arg("lr") = 0.01, py::arg("beta1") = 0.9, py::arg("beta2") = 0.999,
           py::arg("beta3") = 0.999, py::arg("eps") = 1e-8, py::arg("mu") = 0.9, py::arg("lion_beta2") = 0.99,
           py::arg("total_steps") = 0, py::arg("seed") = 0, py::arg("threads") = 0, py::arg("schedule") = "constant",
           py::arg("decay_steps") = 0, py::arg("decay_rate") = 0.1, py::arg("alpha") = 0.0)
      .def(
          "add",
          [](PyOptimizer& s, const py::array& w, const py::array& g) {
            float* wp = float_buffer(w, "weights", true);
            float* gp = float_buffer(g, "gradients", false);
            if (w.size() != g.size())
              throw std::invalid_argument("weights have " + std::to_string(w.size()) + " elements, gradients " +
                                          std::to_string(g.size()));
            if (w.size() > 0 && wp == gp) throw std::invalid_argument("weights and gradients are the same buffer");
            s.opt.add(wp, gp, static_cast<size_t>(w.size()));
            s.keep.append(w);
            s.keep.append(g);
          },
          py::arg("weights"), py::arg("grads"),
          "Registers a float32 C-contiguous weight array and its gradient array (no copy: step() updates `weights` "
          "in place and reads `grads`). Only before the first step.")
      .def(
          "_add_pointer",
          [](PyOptimizer& s, uintptr_t w, uintptr_t g, size_t n, py::object owner) {
            s.opt.add(reinterpret_cast<float*>(w), reinterpret_cast<const float*>(g), n);
            s.keep.append(owner);
          },
          py::arg("weights"), py::arg("grads"), py::arg("n"), py::arg("owner"),
          "nos.torch: registers raw float32 addresses; `owner` is kept alive. The caller checks the memory.")
      .def(
          "step",
          [](PyOptimizer& s) {
            py::gil_scoped_release release;  // the kernel touches no Python object
            s.opt.step();
          },
          "One update of every registered element.")
      .def(
          "set_lr", [](PyOptimizer& s, double lr) { s.opt.set_learning_rate(lr); }, py::arg("lr"))
      .def_property_readonly("lr", [](const PyOptimizer& s) { return s.opt.learning_rate(); })
      .def_property_readonly("steps", [](const PyOptimizer& s) { return s.opt.steps(); })
      .def_property_readonly("size", [](const PyOptimizer& s) { return s.opt.size(); })
      .def_property_readonly("state_bytes", [](const PyOptimizer& s) { return s.opt.state_bytes(); })
      .def_property_readonly("hash", [](const PyOptimizer& s) { return s.opt.hash(); })
      .def_property_readonly("canonical", [](const PyOptimizer& s) { return s.opt.canonical(); })
      .def_property_readonly("vector_width", [](const PyOptimizer& s) { return s.opt.vector_width(); })
      .def("set_threads",
           [](PyOptimizer& s, int t) {
             if (t < 0) throw std::invalid_argument("threads must be >= 0");
             s.opt.set_threads(t);
           })
      .def(
          "save",
          [](const PyOptimizer& s) {
            std::ostringstream out;
            s.opt.save(out);
            return py::bytes(out.str());
          },
          "The step count and every state buffer, bit for bit.")
      .def(
          "load",
          [](PyOptimizer& s, const py::bytes& b) {
            std::istringstream in{std::string(b)};
            s.opt.load(in);
          },
          py::arg("checkpoint"),
          "Restores save()'s bytes; same rule and registered size, else ValueError-free RuntimeError.");

  // dslc helpers: one rule in, one string out.
  m.def(
      "canonical", [](const std::string& r) { return compile_rule(r).prefix; }, py::arg("rule"));
  m.def(
      "infix", [](const std::string& r) { return nos::dslc::print_infix(compile_rule(r).canonical); }, py::arg("rule"));
  m.def(
      "latex", [](const std::string& r) { return nos::dslc::print_latex(compile_rule(r).canonical); }, py::arg("rule"));
  m.def(
      "ir", [](const std::string& r) { return nos::dslc::print_ir(compile_rule(r).ir); }, py::arg("rule"));
  m.def(
      "info",
      [](const std::string& r) {
        const nos::dslc::Compiled c = compile_rule(r);
        py::dict d;
        d["canonical"] = c.prefix;
        d["hash"] = c.hash;
        d["state_bits"] = c.info.state;
        d["state_buffers"] = c.info.state_buffers;
        d["state_bytes_per_param"] = c.info.bytes_per_param;
        d["ops_per_element"] = c.info.ops_per_element;
        d["depends_on_g"] = c.info.depends_on_g;
        d["random"] = c.info.random;
        d["needs_total_steps"] = c.info.needs_total;
        d["draws"] = c.info.draws;
        return d;
      },
      py::arg("rule"));
  m.def(
      "port",
      [](const std::string& r, const std::string& kind, const std::string& name) {
        if (kind != "torch" && kind != "numpy")
          throw std::invalid_argument("kind must be 'torch' or 'numpy', got '" + kind + "'");
        return nos::dslc::emit_python_port({compile_rule(r, name)},
                                           kind == "torch" ? nos::dslc::PortKind::Torch : nos::dslc::PortKind::Numpy);
      },
      py::arg("rule"), py::arg("kind"), py::arg("name"), "dslc --emit=torch|numpy of one rule: a Python file's text.");
  m.def(
      "parse_rule_file",
      [](const std::string& text, const std::string& file) {
        nos::dslc::ParseResult p = nos::dslc::parse_file(text, file);
        if (!p.ok()) throw std::invalid_argument(p.errors_text());
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& r : p.rules) out.emplace_back(r.name, nos::dslc::compile(r).prefix);
        return out;
      },
      py::arg("text"), py::arg("file"), "[(name, canonical prefix)] of a rule file (rules/paper.rules syntax).");
}
