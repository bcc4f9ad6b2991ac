#include "autograd/var.h"

#include <fmt/format.h>

#include <stdexcept>
#include <unordered_set>

#include "tensor/ops/elementwise.h"

namespace nos::ag {
namespace {
thread_local bool g_grad_enabled = true;  // per thread: each search worker has its own mode
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending = std::move(inputs);
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    if (n && n.use_count() == 1) {  // we hold the last reference: take its inputs before it dies
      for (auto& in : n->inputs) pending.push_back(std::move(in));
      n->inputs.clear();
    }
  }
}

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

Var Var::param(Tensor value, Tensor grad) {
  if (value.shape() != grad.shape())
    throw_shape_error("Var::param", fmt::format("value {} and gradient {} differ", to_string(value.shape()),
                                                to_string(grad.shape())));
  Var v(std::move(value), true);
  v.node_->grad = std::move(grad);
  v.node_->grad_owned = true;
  return v;
}

Var record(const char* op, Tensor value, std::vector<Var> inputs, std::function<void(Node&)> backward) {
  auto n = std::make_shared<Node>();
  n->value = std::move(value);
  n->op = op;
  bool any = false;
  for (const auto& in : inputs) any = any || (in.defined() && in.requires_grad());
  if (any && g_grad_enabled) {
    n->requires_grad = true;
    n->inputs.reserve(inputs.size());
    for (auto& in : inputs) n->inputs.push_back(in.node());
    n->backward = std::move(backward);
  }
  return Var(std::move(n));
}

void accumulate_grad(Node& n, const Tensor& g) {
  if (!n.requires_grad) return;
  if (g.shape() != n.value.shape())
    throw_shape_error(n.op, fmt::format("gradient of shape {} for a value of shape {}", to_string(g.shape()),
                                        to_string(n.value.shape())));
  if (!n.grad.defined()) {
    const bool leaf = n.inputs.empty();  // a leaf accumulates in place from now on: copy
    n.grad = leaf ? g.clone() : g;
    n.grad_owned = leaf;
  } else if (n.grad_owned) {
    add_(n.grad, g);
  } else {
    n.grad = add(n.grad, g);
    n.grad_owned = true;
  }
}

Tensor& owned_grad(Node& n) {
  if (!n.grad.defined()) {
    n.grad = Tensor::zeros(n.value.shape());
    n.grad_owned = true;
  } else if (!n.grad_owned) {
    n.grad = n.grad.clone();
    n.grad_owned = true;
  }
  return n.grad;
}

void backward(const Var& loss) {
  if (!loss.defined() || loss.value().numel() != 1)
    throw std::invalid_argument(fmt::format("backward: loss must have one element, got shape {}",
                                            loss.defined() ? to_string(loss.shape()) : "undefined"));
  if (!loss.requires_grad()) throw std::invalid_argument("backward: loss does not depend on any parameter");

  // Iterative post-order DFS: LSTM graphs over many time steps are too deep for recursion.
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, std::size_t>> stack{{loss.node().get(), 0}};
  seen.insert(loss.node().get());
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* in = node->inputs[next++].get();
      if (in->requires_grad && !in->inputs.empty() && seen.insert(in).second) stack.push_back({in, 0});
      continue;
    }
    order.push_back(node);
    stack.pop_back();
  }

  Node& root = *loss.node();
  accumulate_grad(root, Tensor::full(root.value.shape(), 1.0f));
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& n = **it;
    if (n.backward && n.grad.defined()) n.backward(n);
  }
  // Free the graph: saved tensors live in the closures, intermediate gradients in the nodes.
  for (Node* n : order) {
    n->backward = nullptr;
    n->inputs.clear();
    n->grad = Tensor();
    n->grad_owned = false;
    n->requires_grad = false;
  }
}

}  // namespace nos::ag
