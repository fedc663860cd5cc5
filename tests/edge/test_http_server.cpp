// The HTTP views: health, metrics, PSNR series, snapshots, MJPEG streams with Content-Length per
// part, and the errors for unknown views and methods.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "edge/http/http_server.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"
#include "test_client.hpp"

namespace foresight {
namespace {
using namespace std::chrono_literals;

class HttpTest : public ::testing::Test {
 protected:
  virtual HttpServerOptions options() const { return {}; }
  void SetUp() override {
    HttpServerOptions opt = options();
    opt.port = 0;
    server = std::make_unique<HttpServer>(io, opt, hub, &metrics);
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    hub.close();
    server->stop();
    guard.reset();
    io.stop();
    thread.join();
  }

  struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
  };

  // One GET on a fresh connection (Connection: close), read to the end.
  Response get(const std::string& target, const std::string& method = "GET",
               const std::string& extra_headers = "") {
    testing::TestClient c(server->port());
    c.send_bytes(method + " " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n" +
                 extra_headers + "\r\n");
    return read_response(c);
  }

  // Header lines up to the blank line, keys lower-cased.
  static std::map<std::string, std::string> read_response_headers(testing::TestClient& c) {
    std::map<std::string, std::string> headers;
    for (;;) {
      auto line = c.next_line();
      if (!line || *line == "\r" || line->empty()) break;
      const auto colon = line->find(':');
      std::string key = line->substr(0, colon);
      for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      headers[key] = line->substr(colon + 2, line->size() - colon - 3);
    }
    return headers;
  }

  static Response read_response(testing::TestClient& c) {
    Response r;
    auto status = c.next_line();
    if (!status) return r;
    r.status = std::stoi(status->substr(9, 3));
    r.headers = read_response_headers(c);
    if (r.headers.count("content-length")) {
      r.body = c.next_bytes(std::stoul(r.headers["content-length"])).value_or("");
    }
    return r;
  }

  ViewHub hub;
  EdgeMetrics metrics;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  std::unique_ptr<HttpServer> server;
  std::thread thread;
};

TEST_F(HttpTest, HealthMetricsAndPsnrSeries) {
  auto health = get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  metrics.frames_in = 7;
  metrics.observe_latency_ms(3.0);
  auto m = get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("foresight_frames_in_total 7"), std::string::npos);
  EXPECT_NE(m.body.find("foresight_inference_latency_seconds_bucket{le=\"0.005\"} 1"),
            std::string::npos)
      << m.body;
  hub.add_psnr({4, 25.5, 22.0});
  auto p = get("/psnr.json");
  EXPECT_EQ(p.headers["content-type"], "application/json");
  auto j = nlohmann::json::parse(p.body);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["frame_seq"], 4);
  EXPECT_DOUBLE_EQ(j[0]["psnr"].get<double>(), 25.5);
  auto page = get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-view=\"sidebyside\""), std::string::npos);
  EXPECT_NE(page.body.find("/stream.mjpg?view="), std::string::npos);
  EXPECT_NE(page.body.find("/psnr.json"), std::string::npos);
}

TEST_F(HttpTest, SnapshotsAndErrors) {
  EXPECT_EQ(get("/snapshot.jpg?view=camera").status, 503);
  hub.publish("camera", {0xff, 0xd8, 0xff, 0xd9});
  auto s = get("/snapshot.jpg?view=camera");
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.headers["content-type"], "image/jpeg");
  EXPECT_EQ(s.body, std::string("\xff\xd8\xff\xd9"));
  EXPECT_EQ(get("/snapshot.jpg?view=nope").status, 404);
  EXPECT_EQ(get("/stream.mjpg?view=nope").status, 404);
  EXPECT_EQ(get("/nothing").status, 404);
  EXPECT_EQ(get("/healthz", "POST").status, 405);
}

TEST_F(HttpTest, MjpegStreamSendsTheLatestFrameAsParts) {
  hub.publish("prediction", std::vector<uint8_t>(100, 1));
  testing::TestClient c(server->port());
  c.send_bytes(std::string("GET /stream.mjpg?view=prediction HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = read_response(c);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-type"], "multipart/x-mixed-replace; boundary=foresightframe");
  auto read_part = [&]() -> std::string {
    auto boundary = c.next_line();
    if (!boundary) return "<closed>";
    EXPECT_EQ(*boundary, "--foresightframe\r");
    auto part = read_response_headers(c);
    auto body = c.next_bytes(std::stoul(part["content-length"]));
    c.next_line();  // the CRLF after the part
    return body.value_or("<closed>");
  };
  EXPECT_EQ(read_part(), std::string(100, '\x01'));  // the latest frame at once
  hub.publish("prediction", std::vector<uint8_t>(50, 2));
  EXPECT_EQ(read_part(), std::string(50, '\x02'));
  EXPECT_NE(get("/metrics").body.find("foresight_http_streams_open 1"), std::string::npos);
}

class HttpTokenTest : public HttpTest {
 protected:
  HttpServerOptions options() const override {
    HttpServerOptions o;
    o.token = "s3cret";
    o.max_streams = 1;
    return o;
  }
};

// With --token, the page, streams, snapshots, metrics and the PSNR series want it (query or
// bearer header); /healthz stays open for supervisors.
TEST_F(HttpTokenTest, TheTokenGuardsEverythingButHealthz) {
  hub.publish("camera", {0xff, 0xd8, 0xff, 0xd9});
  EXPECT_EQ(get("/healthz").status, 200);
  for (const char* target :
       {"/", "/metrics", "/psnr.json", "/snapshot.jpg?view=camera", "/stream.mjpg?view=camera",
        "/metrics?token=s3cre", "/metrics?token=s3cret2", "/metrics?token="}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.body.find("s3cret"), std::string::npos) << target;
  }
  EXPECT_EQ(get("/metrics", "GET", "Authorization: Bearer wrong\r\n").status, 401);
  EXPECT_EQ(get("/?token=s3cret").status, 200);
  EXPECT_EQ(get("/snapshot.jpg?view=camera&token=s3cret").status, 200);
  EXPECT_EQ(get("/psnr.json", "GET", "Authorization: Bearer s3cret\r\n").status, 200);
}

// --max-streams: the viewer past the limit gets a well-formed 503 that names the flag.
TEST_F(HttpTokenTest, StreamsPastTheLimitGetA503) {
  hub.publish("camera", {0xff, 0xd8, 0xff, 0xd9});
  testing::TestClient first(server->port());
  first.send_bytes(
      std::string("GET /stream.mjpg?view=camera&token=s3cret HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(read_response(first).status, 200);
  for (int i = 0;
       i < 50 && get("/metrics?token=s3cret").body.find("streams_open 1") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(10ms);
  }
  testing::TestClient second(server->port());
  second.send_bytes(
      std::string("GET /stream.mjpg?view=camera&token=s3cret HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto status = second.next_line();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->substr(0, 12), "HTTP/1.1 503");
}

}  // namespace
}  // namespace foresight
