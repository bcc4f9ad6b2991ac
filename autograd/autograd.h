// Everything autograd offers, for code that builds models.
#pragma once
#include "autograd/ops/activation.h"
#include "autograd/ops/arithmetic.h"
#include "autograd/ops/batchnorm.h"
#include "autograd/ops/conv.h"
#include "autograd/ops/layout.h"
#include "autograd/ops/linear_cross_entropy.h"
#include "autograd/ops/lstm.h"
#include "autograd/var.h"
