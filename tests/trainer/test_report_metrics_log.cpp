// metrics.csv: rows survive a write/read round trip, a resumed run drops the epochs it redoes,
// and files with other column sets still load.
#include <gtest/gtest.h>

#include <cmath>

#include "common/util/atomic_file.hpp"
#include "support/test_support.hpp"
#include "trainer/report/metrics_log.hpp"

namespace foresight {
namespace {

MetricsRow row(int epoch) {
  MetricsRow r;
  r.epoch = epoch;
  r.loss = 0.1 / (epoch + 1);
  r.mse = 0.01 * epoch + 0.003;
  r.kld = 3.25 + epoch;
  r.beta = 1e-4;
  r.tfr = 1.0 - 0.1 * epoch;
  r.lr = 0.002;
  r.seconds = 12.5;
  if (epoch % 2 == 1) {  // validation every other epoch
    r.val_psnr = 24.0 + epoch;
    r.val_ssim = 0.8;
  }
  return r;
}

void expect_same(const MetricsRow& a, const MetricsRow& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  for (auto f :
       {&MetricsRow::loss, &MetricsRow::mse, &MetricsRow::kld, &MetricsRow::beta, &MetricsRow::tfr,
        &MetricsRow::lr, &MetricsRow::val_psnr, &MetricsRow::val_ssim, &MetricsRow::seconds}) {
    if (std::isnan(a.*f)) {
      EXPECT_TRUE(std::isnan(b.*f));
    } else {
      EXPECT_EQ(a.*f, b.*f);  // shortest round-trip text: exact
    }
  }
}

TEST(ReportMetricsLog, RoundTripIsExact) {
  auto dir = testing::scratch_dir("metrics");
  MetricsLog log(dir, 0);
  for (int e = 0; e < 4; ++e) log.append(row(e));
  auto text = read_file(dir / "metrics.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "epoch,loss,mse,kld,beta,tfr,lr,val_psnr,val_ssim,seconds");
  auto rows = read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 4u);
  for (int e = 0; e < 4; ++e) expect_same(rows[e], row(e));
  EXPECT_THROW(log.append(row(3)), std::invalid_argument);  // epochs must increase
  EXPECT_EQ(read_metrics_csv(dir / "metrics.csv").size(), 4u);
}

TEST(ReportMetricsLog, ResumeDropsRedoneEpochs) {
  auto dir = testing::scratch_dir("metrics");
  {
    MetricsLog log(dir, 0);
    for (int e = 0; e < 5; ++e) log.append(row(e));
  }
  MetricsLog resumed(dir, 3);  // checkpoint after epoch 2: epochs 3 and 4 are redone
  EXPECT_EQ(resumed.rows().size(), 3u);
  EXPECT_EQ(read_metrics_csv(dir / "metrics.csv").size(), 3u);
  auto again = row(3);
  again.loss = 42;
  resumed.append(again);
  auto rows = read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3].epoch, 3);
  EXPECT_EQ(rows[3].loss, 42);
  expect_same(rows[1], row(1));

  MetricsLog fresh(dir, 0);  // a new run from epoch 0 starts an empty table
  EXPECT_TRUE(read_metrics_csv(dir / "metrics.csv").empty());
}

TEST(ReportMetricsLog, ReadsByHeaderName) {
  auto dir = testing::scratch_dir("metrics");
  write_file_atomically(dir / "m.csv", "loss,epoch,extra\r\n0.5,7,x\r\n,8,y\r\n\r\n");
  auto rows = read_metrics_csv(dir / "m.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].epoch, 7);
  EXPECT_EQ(rows[0].loss, 0.5);
  EXPECT_TRUE(std::isnan(rows[0].mse));
  EXPECT_TRUE(std::isnan(rows[1].loss));

  write_file_atomically(dir / "bad.csv", "epoch,loss\n1,abc\n");
  EXPECT_THROW(read_metrics_csv(dir / "bad.csv"), std::runtime_error);
  write_file_atomically(dir / "noepoch.csv", "loss\n1\n");
  EXPECT_THROW(read_metrics_csv(dir / "noepoch.csv"), std::runtime_error);
  EXPECT_THROW(read_metrics_csv(dir / "missing.csv"), std::runtime_error);
}

}  // namespace
}  // namespace foresight
