#include "common/util/mac_counter.hpp"

#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>

#include <cstring>
#include <memory>
#include <vector>

namespace foresight {
namespace {

// State of the one counting in progress on this thread (callbacks are plain function pointers).
thread_local int64_t t_macs = 0;
thread_local int t_depth = 0;  // counted operators entered and not yet left

enum class Op {
  kOther,
  kConv,
  kConvTranspose,
  kLinear,
  kMm,
  kBmm,
  kAddmm,
  kMatmul,
  kMv,
  kAddmv,
  kLstmCell
};

// The operators counted and how many arguments their schemas have.
struct Counted {
  const char* name;
  Op op;
  size_t arity;
};
constexpr Counted kCounted[] = {
    {"aten::conv1d", Op::kConv, 7},   {"aten::conv2d", Op::kConv, 7},
    {"aten::conv3d", Op::kConv, 7},   {"aten::conv_transpose2d", Op::kConvTranspose, 8},
    {"aten::linear", Op::kLinear, 3}, {"aten::mm", Op::kMm, 2},
    {"aten::bmm", Op::kBmm, 2},       {"aten::addmm", Op::kAddmm, 5},
    {"aten::matmul", Op::kMatmul, 2}, {"aten::lstm_cell", Op::kLstmCell, 6},
    {"aten::mv", Op::kMv, 2},         {"aten::addmv", Op::kAddmv, 5},
};

const Counted* classify(const char* name) {
  for (const auto& e : kCounted) {
    if (std::strcmp(name, e.name) == 0) return &e;
  }
  return nullptr;
}

int64_t product(c10::IntArrayRef sizes, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < sizes.size(); ++i) p *= sizes[i];
  return p;
}

const at::Tensor* tensor_at(c10::ArrayRef<const c10::IValue> in, size_t i) {
  return i < in.size() && in[i].isTensor() ? &in[i].toTensor() : nullptr;
}

// Each output element of a convolution is a dot product over (C_in / groups) * prod(kernel)
// inputs; each input element of a transposed one scatters to (C_out / groups) * prod(kernel)
// outputs. Output sizes follow from input, kernel, stride, padding and dilation.
int64_t conv_macs(c10::ArrayRef<const c10::IValue> in, bool transposed) {
  const at::Tensor* x = tensor_at(in, 0);
  const at::Tensor* w = tensor_at(in, 1);
  if (!x || !w || x->dim() < 3 || w->dim() != x->dim()) return 0;
  const size_t spatial = static_cast<size_t>(x->dim()) - 2;
  const int64_t kernel = product(w->sizes(), 2, w->sizes().size());
  if (transposed) {
    // conv_transpose2d(input, weight [C_in, C_out / groups, k...], bias, stride, padding, ...)
    return x->numel() * w->size(1) * kernel;
  }
  // conv2d(input, weight [C_out, C_in / groups, k...], bias, stride, padding, dilation, groups)
  auto list = [&](size_t i, int64_t fallback) {
    std::vector<int64_t> v(spatial, fallback);
    if (i < in.size() && in[i].isIntList()) {
      auto l = in[i].toIntVector();
      for (size_t d = 0; d < spatial; ++d) v[d] = l.size() == 1 ? l[0] : l.at(d);
    }
    return v;
  };
  const auto stride = list(3, 1), padding = list(4, 0), dilation = list(5, 1);
  int64_t out_pixels = 1;
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t size = x->size(static_cast<int64_t>(d) + 2),
                  k = w->size(static_cast<int64_t>(d) + 2);
    out_pixels *= (size + 2 * padding[d] - dilation[d] * (k - 1) - 1) / stride[d] + 1;
  }
  return x->size(0) * out_pixels * w->size(0) * w->size(1) * kernel;
}

int64_t macs_of(Op op, c10::ArrayRef<const c10::IValue> in) {
  switch (op) {
    case Op::kConv:
      return conv_macs(in, false);
    case Op::kConvTranspose:
      return conv_macs(in, true);
    case Op::kLinear: {  // linear(input [..., in], weight [out, in], bias)
      const at::Tensor *x = tensor_at(in, 0), *w = tensor_at(in, 1);
      return x && w && w->dim() == 2 ? x->numel() * w->size(0) : 0;
    }
    case Op::kMm:
    case Op::kBmm:
    case Op::kMatmul: {  // [..., n, k] x [..., k, m]: n * k * m per batch entry
      const at::Tensor *a = tensor_at(in, 0), *b = tensor_at(in, 1);
      return a && b && b->dim() >= 2 ? a->numel() * b->size(-1) : 0;
    }
    case Op::kAddmm: {  // addmm(bias, a [n, k], b [k, m])
      const at::Tensor *a = tensor_at(in, 1), *b = tensor_at(in, 2);
      return a && b && b->dim() == 2 ? a->numel() * b->size(1) : 0;
    }
    case Op::kMv: {  // mv(matrix [n, k], vector [k])
      const at::Tensor* m = tensor_at(in, 0);
      return m ? m->numel() : 0;
    }
    case Op::kAddmv: {  // addmv(bias, matrix [n, k], vector [k])
      const at::Tensor* m = tensor_at(in, 1);
      return m ? m->numel() : 0;
    }
    case Op::kLstmCell: {  // lstm_cell(input [B, in], hx, w_ih [4h, in], w_hh [4h, h], ...)
      const at::Tensor *x = tensor_at(in, 0), *w_ih = tensor_at(in, 2), *w_hh = tensor_at(in, 3);
      return x && w_ih && w_hh ? x->size(0) * (w_ih->numel() + w_hh->numel()) : 0;
    }
    case Op::kOther:
      break;
  }
  return 0;
}

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction& fn) {
  const Counted* op = classify(fn.name());
  if (!op) return nullptr;
  if (t_depth++ == 0) {
    // Called from the TorchScript interpreter, the inputs can start with values of the caller's
    // stack: the operator's own arguments are the last `arity`.
    auto in = fn.inputs();
    if (in.size() >= op->arity) t_macs += macs_of(op->op, in.slice(in.size() - op->arity));
  }
  return nullptr;
}

void on_leave(const at::RecordFunction& fn, at::ObserverContext*) {
  if (classify(fn.name())) --t_depth;
}

}  // namespace

int64_t count_macs(const std::function<void()>& work) {
  t_macs = 0;
  t_depth = 0;
  const auto handle = at::addThreadLocalCallback(at::RecordFunctionCallback(on_enter, on_leave)
                                                     .needsInputs(true)
                                                     .scopes({at::RecordScope::FUNCTION}));
  try {
    work();
  } catch (...) {
    at::removeCallback(handle);
    throw;
  }
  at::removeCallback(handle);
  return t_macs;
}

}  // namespace foresight
