// The checkpoint framing: every truncation, a flipped bit, trailing bytes, a foreign file or
// another version is refused with the source named; rng sections round-trip and are checked.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

#include "search/checkpoint.h"

namespace nos::search {
namespace {

// Sections of the sizes a search writes: a JSON state, a few kilobytes of floats, an rng.
std::string some_checkpoint() {
  std::mt19937_64 rng(3);
  Checkpoint ck;
  ck.put("search.state", R"({"strategy":"controller","observed":5,"pending":[]})");
  ByteWriter floats;
  std::vector<float> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(rng() % 1000) * 0.001f;
  floats.floats(v);
  ck.put("controller.arena", std::move(floats.out));
  put_rng(ck, "rng", rng);
  return encode(ck);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, EveryTruncationIsRejected) {
  const std::string bytes = some_checkpoint();
  // Every prefix, stepping through the header byte by byte and the body in strides.
  for (size_t n = 0; n < bytes.size(); n += (n < 64 ? 1 : 97)) {
    const std::string e = error_of([&] { decode(std::string_view(bytes).substr(0, n), "ck.bin"); });
    EXPECT_NE(e.find("ck.bin"), std::string::npos) << "prefix of " << n << " bytes: '" << e << "'";
  }
  EXPECT_NE(error_of([&] { decode(bytes.substr(0, bytes.size() - 3), "ck.bin"); }).find("truncated"),
            std::string::npos);
  EXPECT_NE(error_of([&] { decode(bytes + "x", "ck.bin"); }).find("trailing"), std::string::npos);
}

TEST(Checkpoint, CorruptionIsRejected) {
  const std::string bytes = some_checkpoint();
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  EXPECT_NE(error_of([&] { decode(flipped, "ck.bin"); }).find("ck.bin: checksum mismatch"), std::string::npos);
  EXPECT_NE(error_of([&] { decode("garbage that is long enough", "ck.bin"); }).find("not a nos checkpoint"),
            std::string::npos);
  std::string version = bytes;
  version[8] = 9;
  EXPECT_NE(error_of([&] { decode(version, "ck.bin"); }).find("version 9"), std::string::npos);
}

TEST(Checkpoint, RngSectionsAreChecked) {
  const Checkpoint ck = decode(some_checkpoint(), "ck.bin");
  std::mt19937_64 rng;
  EXPECT_NE(error_of([&] { get_rng(ck, "missing", rng); }).find("no section 'missing'"), std::string::npos);
  Checkpoint bad = ck;
  bad.put("rng", "not a state");
  EXPECT_NE(error_of([&] { get_rng(bad, "rng", rng); }).find("not a std::mt19937_64"), std::string::npos);
}

TEST(Checkpoint, SectionsAndRngRoundTrip) {
  const Checkpoint back = decode(some_checkpoint(), "ck.bin");
  ASSERT_EQ(back.sections.size(), 3u);
  EXPECT_EQ(back.sections[0].first, "search.state");
  EXPECT_EQ(back.source, "ck.bin");
  std::mt19937_64 expect(3), got;
  for (int i = 0; i < 1000; ++i) expect();
  get_rng(back, "rng", got);
  EXPECT_EQ(got, expect);
  ByteReader r{back.get("controller.arena"), "arena"};
  EXPECT_EQ(r.floats().size(), 1000u);
  r.finish();
}

TEST(Checkpoint, MissingFileIsNamed) {
  EXPECT_NE(error_of([] { read_checkpoint("/nonexistent-dir/ck.bin"); }).find("/nonexistent-dir/ck.bin: cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace nos::search
