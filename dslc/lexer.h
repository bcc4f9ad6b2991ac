// Tokens of rule text. Never fails: a byte that starts no token becomes a Bad token carrying its
// message, so the parser can report it at its line and column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dslc/ast.h"

namespace nos::dslc {

enum class Tok : uint8_t {
  Word,    // a symbol name, or one of + - * /
  Number,  // an unsigned decimal literal: 0.5, 3, 1e-3
  Ref,     // $k
  Semi,    // ;
  Colon,   // :
  Newline,
  Bad,
};

struct Token {
  Tok kind;
  std::string_view text;
  Loc loc;
  double number = 0;  // Number
  long ref = 0;       // Ref
  std::string error;  // Bad
};

// Comments run from '#' to the end of the line and produce no tokens.
std::vector<Token> lex(std::string_view text);

}  // namespace nos::dslc
