#include "opennap/checks/antivirus.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "helpers.h"
#include "opennap/checks/clamav.h"

namespace opennap::checks {
namespace {

using namespace std::chrono;

// A 512-byte header as freshclam writes it, padded with spaces.
std::string header(std::string_view fields) {
    std::string h(fields);
    h.resize(kCvdHeaderSize, ' ');
    return h;
}

constexpr std::string_view kDaily =
    "ClamAV-VDB:14 Feb 2023 07-26 -0500:26812:2020574:90:a1b2c3d4e5f60718293a4b5c6d7e8f90:"
    "sIgNaTuRe:raynman:1676377560";

TEST(CvdHeader, ParsesAllFields) {
    auto h = parse_cvd_header(header(kDaily) + "binary tar data follows");
    ASSERT_TRUE(h) << h.error().to_string();
    EXPECT_EQ(h->build_time_text, "14 Feb 2023 07-26 -0500");
    EXPECT_EQ(h->version, 26812u);
    EXPECT_EQ(h->signatures, 2020574u);
    EXPECT_EQ(h->functionality_level, 90u);
    EXPECT_EQ(h->md5, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    EXPECT_EQ(h->builder, "raynman");
    EXPECT_EQ(h->build_time, 1676377560);
}

TEST(CvdHeader, TimeTextWhenNoSeconds) {
    // 14 Feb 2023 07:26 -0500 = 12:26 UTC = 1676377560.
    EXPECT_EQ(parse_cvd_time("14 Feb 2023 07-26 -0500"), 1676377560);
    EXPECT_EQ(parse_cvd_time("01 Jan 1970 00-00 +0000"), 0);
    EXPECT_EQ(parse_cvd_time("29 Feb 2024 23-59 +0100"), 1709247540);
    EXPECT_FALSE(parse_cvd_time("14 Foo 2023 07-26 -0500"));
    EXPECT_FALSE(parse_cvd_time("14 Feb 2023 07-26"));
    EXPECT_FALSE(parse_cvd_time("14 Feb 2023 25-26 -0500"));
    auto h = parse_cvd_header(header("ClamAV-VDB:14 Feb 2023 07-26 -0500:26812:2020574:90"));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->build_time, 1676377560);
    EXPECT_EQ(h->md5, "");
}

TEST(CvdHeader, ErrorsNameFieldAndOffset) {
    auto e = parse_cvd_header("PK\x03\x04 not a cvd");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().field, "magic");
    e = parse_cvd_header(header("ClamAV-VDB:14 Feb 2023 07-26 -0500:x26812:1:90:m:s:b:5"));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().field, "version");
    EXPECT_EQ(e.error().offset, 35u);
    e = parse_cvd_header(header("ClamAV-VDB:garbage:1:2:3"));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().field, "build-time");
    EXPECT_EQ(e.error().offset, 11u);
    e = parse_cvd_header(header("ClamAV-VDB:t:1:2:3:m:s:b:12x"));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().field, "build-time-seconds");
    e = parse_cvd_header(std::string("ClamAV-VDB:t:1:2:3:m:s:b:1\x01", 27));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().offset, 26u);
}

TEST(CvdHeader, EveryTruncationIsAnErrorOrAValue) {
    const std::string h = header(kDaily);
    for (std::size_t n = 0; n <= h.size(); ++n) {
        auto r = parse_cvd_header(std::string_view(h).substr(0, n));
        if (!r) {
            EXPECT_LE(r.error().offset, n);
        }
    }
    // Cut inside the seconds field: still a number, a different time, never a crash.
    EXPECT_FALSE(parse_cvd_header(std::string_view(h).substr(0, 20)));
}

// A process whose comm is `name` (a copy of sleep), killed on destruction.
class FakeProcess {
  public:
    FakeProcess(const test::ScratchRoot& s, const std::string& name) {
        const auto exe = s.dir() / name;
        std::filesystem::copy_file("/bin/sleep", exe);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::execl(exe.c_str(), name.c_str(), "30", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Wait until the exec happened (comm changes).
        for (int i = 0; i < 2000; ++i) {
            std::ifstream f("/proc/" + std::to_string(pid_) + "/comm");
            std::string c;
            std::getline(f, c);
            if (c == name) {
                break;
            }
            ::usleep(5000);
        }
    }
    ~FakeProcess() {
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }

  private:
    pid_t pid_ = -1;
};

// A scratch root that shows the host's /proc (the process table) but its own files.
struct AvRoot {
    test::ScratchRoot s;
    AvRoot() { s.link("/proc", "/proc"); }
};

TEST(Antivirus, ClamAvCurrentAndRunningPasses) {
    AvRoot r;
    const auto now = system_clock::now();
    const auto t = duration_cast<seconds>(now.time_since_epoch()).count() - 5 * 3600;
    r.s.write("/var/lib/clamav/daily.cld",
              header("ClamAV-VDB:01 Jan 2025 00-00 +0000:27500:1:90:m:s:b:" + std::to_string(t)));
    r.s.write("/var/lib/clamav/daily.cvd",
              header("ClamAV-VDB:01 Jan 2025 00-00 +0000:27000:1:90:m:s:b:1"));  // older version
    // The process table is the host's: a name of our own, so that tests running in parallel
    // (or a real clamd) cannot be mistaken for this one.
    test::ScratchRoot exe;
    FakeProcess clamd(exe, "opn-test-clamd");
    ServiceProbe probe(r.s.root());
    EXPECT_FALSE(probe.uses_bus());
    AntivirusOptions opt;
    opt.clamav.daemon_process = "opn-test-clamd";
    opt.clamav.updater_process = "opn-test-fresh";
    const auto products = default_products(opt);
    auto m = check_antivirus(r.s.root(), probe, products, opt, now);
    ASSERT_EQ(m.status, Status::Pass) << m.reason;
    ASSERT_EQ(m.details.products.size(), 1u);
    const auto& p = m.details.products[0];
    EXPECT_EQ(p.name, "ClamAV");
    EXPECT_TRUE(p.installed);
    EXPECT_TRUE(p.enabled);
    EXPECT_TRUE(p.up_to_date);
    EXPECT_EQ(p.signature_age_hours, 5);
    EXPECT_EQ(p.signature_time, t);
    // An hour later: older signatures, same state (nothing to notify).
    auto later = check_antivirus(r.s.root(), probe, products, opt, now + hours(1));
    EXPECT_EQ(later.details.products[0].signature_age_hours, 6);
    EXPECT_TRUE(later.same_state(m));
    EXPECT_EQ(p.database_version, 27500u);
    EXPECT_EQ(p.database_file, "/var/lib/clamav/daily.cld");
    ASSERT_TRUE(p.daemon);
    EXPECT_EQ(p.daemon->active_state, "active");
    EXPECT_EQ(p.daemon->source, UnitState::Source::Files);
    ASSERT_TRUE(p.updater);
    EXPECT_EQ(p.updater->active_state, "inactive");

    // Antispyware: the same engine by default, not applicable when configured so.
    EXPECT_EQ(antispyware_from(m, AntispywareMode::SameAsAntivirus).status, Status::Pass);
    EXPECT_EQ(antispyware_from(m, AntispywareMode::NotApplicable).status, Status::NotApplicable);
}

TEST(Antivirus, OldSignaturesOrNoDaemonFail) {
    AvRoot r;
    const auto now = system_clock::now();
    const auto t = duration_cast<seconds>(now.time_since_epoch()).count() - 100 * 3600;
    r.s.write("/var/lib/clamav/daily.cvd",
              header("ClamAV-VDB:x:27500:1:90:m:s:b:" + std::to_string(t)));
    ServiceProbe probe(r.s.root());
    AntivirusOptions opt;
    opt.clamav.daemon_process = "opn-test-none";  // no such process (see above)
    const auto products = default_products(opt);
    auto m = check_antivirus(r.s.root(), probe, products, opt, now);
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_NE(m.reason.find("daemon not running"), std::string::npos) << m.reason;
    EXPECT_NE(m.reason.find("100 h old (limit 72 h)"), std::string::npos) << m.reason;
    // A longer limit makes the signatures current; the daemon still is not running.
    AntivirusOptions lenient = opt;
    lenient.max_signature_age = hours(200);
    m = check_antivirus(r.s.root(), probe, products, lenient, now);
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_TRUE(m.details.products[0].up_to_date);
    EXPECT_FALSE(m.details.products[0].enabled);
}

TEST(Antivirus, NothingInstalledFails) {
    AvRoot r;
    ServiceProbe probe(r.s.root());
    const auto products = default_products({});
    auto m = check_antivirus(r.s.root(), probe, products, {});
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.reason, "no antivirus product installed");
    ASSERT_EQ(m.details.products.size(), 1u);
    EXPECT_FALSE(m.details.products[0].installed);
    // ClamAV disabled in the configuration: no products at all, still a failure.
    AntivirusOptions none;
    none.clamav.enabled = false;
    EXPECT_TRUE(default_products(none).empty());
}

TEST(Antivirus, CorruptDatabaseIsAnError) {
    AvRoot r;
    r.s.write("/var/lib/clamav/daily.cvd", "this is not a database");
    r.s.write("/usr/sbin/clamd", "");
    ServiceProbe probe(r.s.root());
    const auto products = default_products({});
    auto m = check_antivirus(r.s.root(), probe, products, {});
    EXPECT_EQ(m.status, Status::Error);
    ASSERT_TRUE(m.error);
    EXPECT_NE(m.error->message.find("magic"), std::string::npos) << m.error->message;
}

// A plug-in product next to ClamAV: one good product is enough.
class GoodEdr final : public AntivirusProduct {
  public:
    std::string name() const override { return "Example EDR"; }
    ProductState measure(const MeasureContext&) override {
        ProductState p;
        p.name = name();
        p.installed = p.enabled = p.up_to_date = true;
        p.signature_age_hours = 1;
        return p;
    }
};

TEST(Antivirus, PluginProduct) {
    AvRoot r;
    ServiceProbe probe(r.s.root());
    auto products = default_products({});
    products.push_back(std::make_unique<GoodEdr>());
    auto m = check_antivirus(r.s.root(), probe, products, {});
    EXPECT_EQ(m.status, Status::Pass);
    EXPECT_EQ(m.details.products.size(), 2u);
    EXPECT_NE(m.reason.find("Example EDR"), std::string::npos);
}

TEST(Antivirus, LiveSystemIsNeverAFalsePass) {
    ServiceProbe probe(SystemRoot{});
    const auto products = default_products({});
    auto m = check_antivirus(SystemRoot{}, probe, products, {});
    if (m.status == Status::Pass) {
        // Only if ClamAV really is installed, running and current here.
        ASSERT_TRUE(m.details.products[0].installed);
        EXPECT_TRUE(m.details.products[0].enabled);
    } else {
        EXPECT_TRUE(m.status == Status::Fail || m.status == Status::Error) << m.reason;
    }
}

TEST(Services, FilesModeUnitStates) {
    test::ScratchRoot s;
    s.write("/lib/systemd/system/apt-daily.timer", "[Timer]\n");
    s.write("/lib/systemd/system/apt-daily-upgrade.timer", "[Timer]\n");
    s.link("/etc/systemd/system/timers.target.wants/apt-daily.timer",
           "/lib/systemd/system/apt-daily.timer");
    s.link("/etc/systemd/system/clamav-daemon.service", "/dev/null");
    s.mkdir("/proc");
    ServiceProbe probe(s.root());
    auto a = probe.unit("apt-daily.timer");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->unit_file_state, "enabled");
    EXPECT_TRUE(a->enabled());
    EXPECT_EQ(a->active_state, "unknown");
    auto b = probe.unit("apt-daily-upgrade.timer");
    EXPECT_EQ(b->unit_file_state, "disabled");
    EXPECT_FALSE(b->enabled());
    auto c = probe.unit("clamav-daemon.service", "clamd");
    EXPECT_EQ(c->load_state, "masked");
    auto d = probe.unit("nothing.service", "nothing");
    EXPECT_EQ(d->load_state, "not-found");
    EXPECT_FALSE(d->found());
    EXPECT_EQ(d->active_state, "inactive");
}

}  // namespace
}  // namespace opennap::checks
