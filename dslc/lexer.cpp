#include "dslc/lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace nos::dslc {

namespace {
bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
Token make_token(Tok kind, std::string_view text, Loc loc) {
  Token t{kind, text, loc, 0, 0, {}};
  return t;
}

std::string describe_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("unexpected character '") + c + "'";
  char buf[32];
  std::snprintf(buf, sizeof buf, "unexpected byte 0x%02x", u);
  return buf;
}
}  // namespace

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  Loc loc{1, 1};
  auto advance = [&](size_t n) {
    i += n;
    loc.col += static_cast<int>(n);
  };
  while (i < s.size()) {
    const char c = s[i];
    const Loc at = loc;
    if (c == '\n') {
      out.push_back(make_token(Tok::Newline, s.substr(i, 1), at));
      ++i;
      ++loc.line;
      loc.col = 1;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      advance(1);
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n') advance(1);
    } else if (word_start(c)) {
      size_t j = i;
      while (j < s.size() && word_char(s[j])) ++j;
      out.push_back(make_token(Tok::Word, s.substr(i, j - i), at));
      advance(j - i);
    } else if (c == '+' || c == '-' || c == '*' || c == '/') {
      out.push_back(make_token(Tok::Word, s.substr(i, 1), at));
      advance(1);
    } else if (c == ';' || c == ':') {
      out.push_back(make_token(c == ';' ? Tok::Semi : Tok::Colon, s.substr(i, 1), at));
      advance(1);
    } else if (digit(c) || (c == '.' && i + 1 < s.size() && digit(s[i + 1]))) {
      // Scan the longest number-looking run, then require from_chars to consume all of it, so
      // "1.2.3" or "1e" is one bad token rather than two confusing ones.
      size_t j = i;
      while (j < s.size()) {
        const char d = s[j];
        if (digit(d) || d == '.' || d == 'e' || d == 'E' || word_char(d)) {
          ++j;
        } else if ((d == '+' || d == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E')) {
          ++j;
        } else {
          break;
        }
      }
      const std::string_view text = s.substr(i, j - i);
      Token t = make_token(Tok::Number, text, at);
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), t.number);
      if (ec == std::errc::result_out_of_range || (ec == std::errc{} && !std::isfinite(t.number))) {
        t.kind = Tok::Bad;
        t.error = "number '" + std::string(text) + "' is out of range";
      } else if (ec != std::errc{} || end != text.data() + text.size()) {
        t.kind = Tok::Bad;
        t.error = "malformed number '" + std::string(text) + "'";
      }
      out.push_back(std::move(t));
      advance(j - i);
    } else if (c == '$') {
      size_t j = i + 1;
      while (j < s.size() && word_char(s[j])) ++j;
      const std::string_view text = s.substr(i, j - i);
      Token t = make_token(Tok::Ref, text, at);
      const std::string_view digits = text.substr(1);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t.ref);
      if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || t.ref < 1) {
        t.kind = Tok::Bad;
        t.error = "'" + std::string(text) + "' is not a group reference; write $1, $2, ...";
      }
      out.push_back(std::move(t));
      advance(j - i);
    } else {
      Token t = make_token(Tok::Bad, s.substr(i, 1), at);
      t.error = describe_byte(c);
      out.push_back(std::move(t));
      advance(1);
    }
  }
  return out;
}

}  // namespace nos::dslc
