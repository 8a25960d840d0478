// ShvHost validation (nap-api.md §14.1-14.2): every registered SHV runs, synchronous and
// asynchronous answers, the inline fast path, timeouts on a manual clock, late and duplicate
// OnComplete, failures, throwing SHVs, SHVs that set nothing, missing and system-generated SoHs,
// RPC_S_SERVER_UNAVAILABLE and re-creation, unregistering while pending, back-pressure and
// shutdown.
#include "harness.h"

namespace opennap::server::test {
namespace {

FailureCategoryMapping server_component_compliant() {
    FailureCategoryMapping m;
    m.mapping_compliance[3] = true;
    return m;
}

// ---- the synchronous fast path -----------------------------------------------------------------

TEST(ShvHostTest, InlineSynchronousAnswersCompleteOnTheCallerBeforeValidateReturns) {
    ManualHost h;
    auto a = sync_shv(0);
    auto b = sync_shv(0x80270050);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, b)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done()) << "completed inside validate()";
    EXPECT_EQ(c.thread(), std::this_thread::get_id());
    EXPECT_EQ(h.clock->pending(), 0u) << "no timer for a run that finished inline";
    EXPECT_EQ(h.host->in_flight(), 0u);
    ValidationResult& r = c.result();
    EXPECT_EQ(r.correlation_id, kCorr);
    EXPECT_TRUE(r.soh_present);
    ASSERT_EQ(r.outcomes.size(), 2u);
    EXPECT_EQ(r.outcomes[0].id, kShvA) << "ascending id order";
    EXPECT_EQ(r.outcomes[1].id, kShvB);
    const ShvOutcome& oa = c.outcome(kShvA);
    EXPECT_EQ(oa.kind, OutcomeKind::Responded);
    EXPECT_EQ(oa.result, hr::S_OK);
    EXPECT_EQ(oa.verdict, Verdict::Compliant);
    EXPECT_EQ(oa.compliance_codes, ResultCodes{HResult{0u}});
    EXPECT_FALSE(oa.failure_category);
    EXPECT_FALSE(oa.host_generated);
    EXPECT_EQ(oa.response, codes_response(kShvA, {0}));
    EXPECT_EQ(oa.entry_bytes(), encode_entry(codes_response(kShvA, {0})));
    EXPECT_TRUE(oa.soh_present);
    EXPECT_FALSE(oa.recreated);
    EXPECT_EQ(c.outcome(kShvB).verdict, Verdict::NonCompliant);
    EXPECT_EQ(a->calls.load(), 1);
    EXPECT_EQ(a->threads[0], std::this_thread::get_id());
}

TEST(ShvHostTest, NoRegisteredShvCompletesAtOnceWithNoOutcomes) {
    ManualHost h;
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_TRUE(c.result().outcomes.empty());
    EXPECT_EQ(c.result().unmatched_soh_ids, std::vector<SystemHealthEntityId>{kShvA});
}

// ---- what the SHVs see -------------------------------------------------------------------------

TEST(ShvHostTest, EveryRegisteredShvRunsAlsoWithoutAnSoh) {
    ManualHost h;
    auto a = sync_shv(0);
    auto b = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, b)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    ASSERT_EQ(b->calls.load(), 1) << "called although the client sent no SoH for it";
    EXPECT_EQ(b->requests[0]->soh_request(), nullptr);
    const ShvOutcome& ob = c.outcome(kShvB);
    EXPECT_FALSE(ob.soh_present);
    EXPECT_EQ(ob.compliance_codes, ResultCodes{hr::NAP_E_MISSING_SOH});
    EXPECT_EQ(ob.verdict, Verdict::NonCompliant);
}

TEST(ShvHostTest, ShvsSeeTheirOwnEntryTheCorrelationIdMachineNameAndConfigId) {
    ManualHost h;
    auto a = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ValidationInput in = input_of(ssoh({entry(kShvB, 0), entry(kShvA, 1)}));
    in.config_ids = {{kShvB, 3}, {kShvA, 9}};
    in.private_data.data = {0xAB};
    Collector c;
    ASSERT_EQ(h.host->validate(std::move(in), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    const auto& r = a->requests.at(0);
    EXPECT_EQ(r->shv_id(), kShvA);
    EXPECT_EQ(r->correlation_id(), kCorr);
    EXPECT_EQ(r->machine_name(), u"client.example");
    EXPECT_EQ(r->config_id(), 9u);
    EXPECT_EQ(r->private_data().data, std::vector<std::uint8_t>{0xAB});
    ASSERT_NE(r->soh_request(), nullptr);
    SoH expected;
    expected.attributes.push_back(owned(soh::attr::make_system_health_id(kShvA)));
    for (const auto& attr : entry(kShvA, 1).attributes)
        expected.attributes.push_back(owned(attr));
    EXPECT_EQ(*r->soh_request(), expected);
    EXPECT_FALSE(r->nap_system_generated());
    EXPECT_EQ(c.result().unmatched_soh_ids, std::vector<SystemHealthEntityId>{kShvB});
    EXPECT_EQ(c.outcome(kShvA).private_data.data, std::vector<std::uint8_t>{0xAB});
}

TEST(ShvHostTest, SystemGeneratedSohsAreFlagged) {
    ManualHost h;
    // The SDK's rule: a system-generated SoH is SHID, FailureCategory, ErrorCodes; the SHV
    // answers with the client-component category.
    auto a = std::make_shared<FnShv>([](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
        if (!r->nap_system_generated())
            return r->set_soh_response(codes_response(r->shv_id(), {0}));
        return r->set_soh_response(
            category_response(r->shv_id(), FailureCategory::ClientComponent));
    });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
    soh::ReportEntry gen;
    gen.id = kShvA;
    gen.attributes.push_back(soh::attr::make_failure_category(2));
    const std::uint32_t code = hr::NAP_E_NOT_INITIALIZED.bits();
    gen.attributes.push_back(soh::attr::make_error_codes(std::span<const std::uint32_t>(&code, 1)));
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({gen, entry(kShvB, 1)}, {kShvA})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_TRUE(a->requests.at(0)->nap_system_generated());
    EXPECT_EQ(a->requests.at(0)->soh_request()->attributes.size(), 3u);
    const ShvOutcome& oa = c.outcome(kShvA);
    EXPECT_TRUE(oa.soh_system_generated);
    EXPECT_EQ(oa.failure_category, FailureCategory::ClientComponent);
    EXPECT_EQ(oa.verdict, Verdict::NonCompliant);
    EXPECT_FALSE(c.outcome(kShvB).soh_system_generated);
}

TEST(ShvHostTest, AClientWithoutAnySohGivesEveryShvANullSoh) {
    ManualHost h;
    auto a = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(ValidationInput::without_soh(kCorr, u"laptop"), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_FALSE(c.result().soh_present);
    EXPECT_EQ(a->requests.at(0)->soh_request(), nullptr);
    EXPECT_EQ(a->requests.at(0)->machine_name(), u"laptop");
    EXPECT_EQ(c.outcome(kShvA).compliance_codes, ResultCodes{hr::NAP_E_MISSING_SOH});
}

TEST(ShvHostTest, DuplicateEntriesValidateTheFirstAndReportTheRest) {
    ManualHost h;
    auto a = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(kShvA, 0)})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_EQ(a->calls.load(), 1);
    const SoH* s = a->requests.at(0)->soh_request();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->attributes.back().value.back(), 1) << "the first entry";
    EXPECT_EQ(c.result().unmatched_soh_ids, std::vector<SystemHealthEntityId>{kShvA});
}

// ---- asynchronous answers ----------------------------------------------------------------------

TEST(ShvHostTest, PendingThenOnCompleteFromAnotherThreadCompletesOnAWorker) {
    ManualHost h;
    auto a = pending_shv();
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    EXPECT_FALSE(c.done());
    EXPECT_EQ(h.clock->pending(), 1u) << "the deadline";
    EXPECT_EQ(h.host->in_flight(), 1u);
    auto req = a->requests.at(0);
    auto cb = a->callbacks.at(0);
    std::thread shv([&] {
        EXPECT_EQ(req->set_soh_response(codes_response(kShvA, {0})), hr::S_OK);
        EXPECT_EQ(cb->on_complete(*req, hr::S_OK), hr::S_OK);
    });
    shv.join();
    ASSERT_TRUE(c.wait());
    EXPECT_NE(c.thread(), std::this_thread::get_id());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_EQ(c.outcome(kShvA).verdict, Verdict::Compliant);
    EXPECT_TRUE(eventually([&] { return h.clock->pending() == 0; })) << "timer cancelled";
    EXPECT_TRUE(eventually([&] { return h.host->in_flight() == 0; }));
    // Late and duplicate OnComplete are not pending.
    EXPECT_EQ(cb->on_complete(*req, hr::S_OK), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(req->set_soh_response(codes_response(kShvA, {1})), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(c.calls(), 1);
}

TEST(ShvHostTest, OnCompleteInsideValidateBeforeReturningPendingIsAccepted) {
    ManualHost h;
    auto a = std::make_shared<FnShv>([](const std::shared_ptr<ValidationRequest>& r, auto,
                                        const std::shared_ptr<ServerCallback>& cb) {
        EXPECT_EQ(r->set_soh_response(codes_response(r->shv_id(), {0})), hr::S_OK);
        EXPECT_EQ(cb->on_complete(*r, hr::S_OK), hr::S_OK);
        EXPECT_EQ(cb->on_complete(*r, hr::S_OK), hr::NAP_E_NOT_PENDING) << "duplicate";
        return hr::E_PENDING;
    });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done()) << "no thread hop: the early OnComplete decides when validate returns";
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
}

TEST(ShvHostTest, OnCompleteAfterASynchronousAnswerIsNotPending) {
    ManualHost h;
    auto a = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_EQ(a->callbacks.at(0)->on_complete(*a->requests.at(0), hr::S_OK), hr::NAP_E_NOT_PENDING);
    // A request the host never made is not pending either.
    ValidationRequest::Params p;
    p.shv_id = kShvA;
    ValidationRequest foreign(p);
    EXPECT_EQ(a->callbacks.at(0)->on_complete(foreign, hr::S_OK), hr::NAP_E_NOT_PENDING);
}

TEST(ShvHostTest, OnCompleteWithAFailureIsAServerComponentFailure) {
    ManualHost h;
    auto a = pending_shv();
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->set_failure_category_mapping(kShvA, server_component_compliant()), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    // A response set before a failing OnComplete is not used.
    EXPECT_EQ(a->requests[0]->set_soh_response(codes_response(kShvA, {0})), hr::S_OK);
    EXPECT_EQ(a->callbacks[0]->on_complete(*a->requests[0], hr::E_FAIL), hr::S_OK);
    ASSERT_TRUE(c.wait());
    const ShvOutcome& o = c.outcome(kShvA);
    EXPECT_EQ(o.kind, OutcomeKind::Failed);
    EXPECT_EQ(o.result, hr::E_FAIL);
    EXPECT_TRUE(o.host_generated);
    EXPECT_EQ(o.response,
              host_generated_response(kShvA, FailureCategory::ServerComponent, hr::E_FAIL));
    EXPECT_EQ(o.failure_category, FailureCategory::ServerComponent);
    EXPECT_EQ(o.verdict, Verdict::Compliant) << "mapped: server component -> compliant";
}

TEST(ShvHostTest, OnCompleteSuccessWithoutAResponseIsInvalid) {
    ManualHost h;
    auto a = pending_shv();
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    EXPECT_EQ(a->callbacks[0]->on_complete(*a->requests[0], hr::S_OK), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::InvalidResponse);
    EXPECT_EQ(
        c.outcome(kShvA).response,
        host_generated_response(kShvA, FailureCategory::ServerComponent, hr::NAP_E_INVALID_PACKET));
}

// ---- timeouts ----------------------------------------------------------------------------------

TEST(ShvHostTest, DefaultTimeoutIs2000MsServerWide) {
    ShvHost host;
    EXPECT_EQ(host.timeout(), 2000ms);
    host.set_timeout(150ms);
    EXPECT_EQ(host.timeout(), 150ms);
    host.set_timeout(0ms);
    EXPECT_EQ(host.timeout(), 1ms) << "at least 1 ms";
}

TEST(ShvHostTest, APendingShvTimesOutAtTheDeadlineAndLateAnswersAreNotPending) {
    ManualHost h;
    auto a = pending_shv();
    auto b = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, b)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)})), c.handler()),
              hr::S_OK);
    EXPECT_EQ(a->hints.at(0), 2000ms);
    EXPECT_EQ(h.clock->advance(1999ms), 0u);
    EXPECT_FALSE(c.done());
    EXPECT_EQ(h.clock->advance(1ms), 1u);
    ASSERT_TRUE(c.wait());
    const ShvOutcome& oa = c.outcome(kShvA);
    EXPECT_EQ(oa.kind, OutcomeKind::TimedOut);
    EXPECT_EQ(oa.result, hr::NAP_E_SHV_TIMEOUT);
    EXPECT_EQ(oa.response, host_generated_response(kShvA, FailureCategory::ServerComponent,
                                                   hr::NAP_E_SHV_TIMEOUT));
    EXPECT_EQ(oa.verdict, Verdict::NonCompliant);
    EXPECT_EQ(oa.elapsed, 2000ms);
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Responded) << "the others are unaffected";
    EXPECT_EQ(c.result().elapsed, 2000ms);
    auto req = a->requests[0];
    EXPECT_TRUE(req->closed());
    EXPECT_EQ(req->set_soh_response(codes_response(kShvA, {0})), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(a->callbacks[0]->on_complete(*req, hr::S_OK), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(c.calls(), 1);
}

TEST(ShvHostTest, TimeoutUsesTheFailureCategoryMapping) {
    ManualHost h;
    auto a = pending_shv();
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->set_failure_category_mapping(kShvA, server_component_compliant()), hr::S_OK);
    h.host->set_timeout(50ms);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    EXPECT_EQ(a->hints.at(0), 50ms);
    h.clock->advance(50ms);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::TimedOut);
    EXPECT_EQ(c.outcome(kShvA).verdict, Verdict::Compliant);
}

TEST(ShvHostTest, HintTimeoutIsTheTimeLeftAndASlowInlineAnswerIsDropped) {
    ManualHost h;
    std::shared_ptr<ManualScheduler> clock = h.clock;
    // The first SHV takes 1500 ms of (manual) time inside validate().
    auto slow =
        std::make_shared<FnShv>([clock](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
            clock->advance(1500ms);
            return r->set_soh_response(codes_response(r->shv_id(), {0}));
        });
    auto next =
        std::make_shared<FnShv>([clock](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
            clock->advance(600ms);  // answers after the deadline
            return r->set_soh_response(codes_response(r->shv_id(), {0}));
        });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, slow)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, next)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_EQ(slow->hints.at(0), 2000ms);
    EXPECT_EQ(next->hints.at(0), 500ms);
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::TimedOut) << "its response is dropped";
}

TEST(ShvHostTest, PoolShvStuckInValidateTimesOut) {
    ManualHost h;
    std::promise<void> release;
    auto released = release.get_future().share();
    auto stuck = std::make_shared<FnShv>(
        [released](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
            released.wait();
            return r->set_soh_response(codes_response(r->shv_id(), {0}));
        });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, stuck, CallMode::Pool)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(eventually([&] { return stuck->calls.load() == 1; }));
    h.clock->advance(2000ms);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::TimedOut);
    release.set_value();
    EXPECT_TRUE(eventually([&] { return stuck->requests[0]->closed(); }));
    EXPECT_EQ(c.calls(), 1);
}

// ---- failures ----------------------------------------------------------------------------------

TEST(ShvHostTest, AnErrorFromValidateIsAServerComponentFailureOfThatShvOnly) {
    ManualHost h;
    auto bad = std::make_shared<FnShv>([](auto, auto, auto) { return hr::NAP_E_INVALID_PACKET; });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, bad)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done());
    const ShvOutcome& o = c.outcome(kShvA);
    EXPECT_EQ(o.kind, OutcomeKind::Failed);
    EXPECT_EQ(o.result, hr::NAP_E_INVALID_PACKET);
    EXPECT_EQ(o.failure_category, FailureCategory::ServerComponent);
    EXPECT_EQ(o.verdict, Verdict::NonCompliant);
    EXPECT_TRUE(o.host_generated);
    EXPECT_EQ(c.outcome(kShvB).verdict, Verdict::Compliant);
}

TEST(ShvHostTest, AThrowingShvFailsOnlyItsOwnCheck) {
    ManualHost h;
    auto throws = std::make_shared<FnShv>(
        [](auto, auto, auto) -> Status { throw std::runtime_error("boom"); });
    auto throws_int = std::make_shared<FnShv>([](auto, auto, auto) -> Status { throw 42; });
    auto oom = std::make_shared<FnShv>([](auto, auto, auto) -> Status { throw std::bad_alloc(); });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, throws)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, throws_int, CallMode::Pool)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvC, oom)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(0x000137F3, sync_shv(0))), hr::S_OK);
    Collector c;
    ASSERT_EQ(
        h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(0x000137F3, 1)})), c.handler()),
        hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Failed);
    EXPECT_EQ(c.outcome(kShvA).result, hr::E_FAIL);
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Failed);
    EXPECT_EQ(c.outcome(kShvB).result, hr::E_FAIL);
    EXPECT_EQ(c.outcome(kShvC).result, hr::E_OUTOFMEMORY);
    EXPECT_EQ(c.outcome(0x000137F3).verdict, Verdict::Compliant);
}

TEST(ShvHostTest, AnShvThatSetsNothingOrNoVerdictIsAnInvalidResponse) {
    ManualHost h;
    auto nothing = std::make_shared<FnShv>([](auto, auto, auto) { return hr::S_OK; });
    auto no_verdict =
        std::make_shared<FnShv>([](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
            SoH s;
            s.attributes.push_back(owned(soh::attr::make_system_health_id(r->shv_id())));
            s.attributes.push_back(owned(soh::attr::make_health_class(0)));
            return r->set_soh_response(std::move(s));
        });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, nothing)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, no_verdict)), hr::S_OK);
    ASSERT_EQ(h.host->set_failure_category_mapping(kShvB, server_component_compliant()), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.done());
    for (SystemHealthEntityId id : {kShvA, kShvB}) {
        const ShvOutcome& o = c.outcome(id);
        EXPECT_EQ(o.kind, OutcomeKind::InvalidResponse) << id;
        EXPECT_EQ(o.result, hr::S_OK);
        EXPECT_TRUE(o.host_generated);
        EXPECT_EQ(o.failure_category, FailureCategory::ServerComponent);
    }
    EXPECT_EQ(c.outcome(kShvA).verdict, Verdict::NonCompliant);
    EXPECT_EQ(c.outcome(kShvB).verdict, Verdict::Compliant);
}

TEST(ShvHostTest, OtherSuccessCodesCountAsSOk) {
    ManualHost h;
    auto a = std::make_shared<FnShv>([](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
        (void)r->set_soh_response(codes_response(r->shv_id(), {0}));
        return hr::S_FALSE;
    });
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_EQ(c.outcome(kShvA).result, hr::S_FALSE);
}

// ---- RPC_S_SERVER_UNAVAILABLE ------------------------------------------------------------------

struct Recreatable {
    // Instances answer with these scripts, in creation order; the last one repeats.
    std::vector<std::function<Status(const std::shared_ptr<ValidationRequest>&,
                                     const std::shared_ptr<ServerCallback>&)>>
        scripts;
    std::vector<HResult> create_errors;  // by creation index; S_OK or missing: succeed
    std::atomic<int> created{0};
    std::vector<std::shared_ptr<FnShv>> instances;
    std::mutex mu;

    ValidatorFactory factory() {
        return [this]() -> Result<std::shared_ptr<SystemHealthValidator>> {
            const int n = created.fetch_add(1);
            if (static_cast<std::size_t>(n) < create_errors.size() && create_errors[n].failed())
                return fail(create_errors[n]);
            auto script = scripts[std::min<std::size_t>(n, scripts.size() - 1)];
            auto shv = std::make_shared<FnShv>(
                [script](const std::shared_ptr<ValidationRequest>& r, auto,
                         const std::shared_ptr<ServerCallback>& cb) { return script(r, cb); });
            std::lock_guard lock(mu);
            instances.push_back(shv);
            return shv;
        };
    }
};

ValidatorRegistration reg_factory(SystemHealthEntityId id, ValidatorFactory f,
                                  CallMode mode = CallMode::Inline) {
    ValidatorRegistration r = reg(id, nullptr, mode);
    r.factory = std::move(f);
    return r;
}

Status gone(const std::shared_ptr<ValidationRequest>&, const std::shared_ptr<ServerCallback>&) {
    return hr::RPC_S_SERVER_UNAVAILABLE;
}
Status gone_win32(const std::shared_ptr<ValidationRequest>&,
                  const std::shared_ptr<ServerCallback>&) {
    return HResult{win32::RPC_S_SERVER_UNAVAILABLE};  // the bare Win32 value, 1722
}
Status answer(const std::shared_ptr<ValidationRequest>& r, const std::shared_ptr<ServerCallback>&) {
    return r->set_soh_response(codes_response(r->shv_id(), {0}));
}

TEST(ShvHostTest, ServerUnavailableRecreatesTheShvOnceAndRetries) {
    for (auto first : {&gone, &gone_win32}) {
        ManualHost h;
        Recreatable shv;
        shv.scripts = {first, &answer};
        ASSERT_EQ(h.host->register_validator(reg_factory(kShvA, shv.factory())), hr::S_OK);
        Collector c;
        ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
        ASSERT_TRUE(c.wait()) << "re-creation runs on a worker";
        EXPECT_EQ(shv.created.load(), 2);
        const ShvOutcome& o = c.outcome(kShvA);
        EXPECT_EQ(o.kind, OutcomeKind::Responded);
        EXPECT_TRUE(o.recreated);
        EXPECT_TRUE(shv.instances[0]->requests[0]->closed());
        EXPECT_NE(shv.instances[0]->requests[0], shv.instances[1]->requests[0])
            << "the retry gets a new request object";
        EXPECT_TRUE(h.host->registered_validators()[0].loaded);
        // The next validation uses the new instance.
        Collector c2;
        ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c2.handler()), hr::S_OK);
        ASSERT_TRUE(c2.done());
        EXPECT_EQ(shv.instances[1]->calls.load(), 2);
        EXPECT_FALSE(c2.outcome(kShvA).recreated);
    }
}

TEST(ShvHostTest, ServerUnavailableTwiceUnloadsTheShvUntilItIsRegisteredAgain) {
    ManualHost h;
    Recreatable shv;
    shv.scripts = {&gone};
    ASSERT_EQ(h.host->register_validator(reg_factory(kShvA, shv.factory())), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(shv.created.load(), 2);
    const ShvOutcome& o = c.outcome(kShvA);
    EXPECT_EQ(o.kind, OutcomeKind::Unavailable);
    EXPECT_EQ(o.result, hr::RPC_S_SERVER_UNAVAILABLE);
    EXPECT_TRUE(o.host_generated);
    EXPECT_EQ(o.failure_category, FailureCategory::ServerComponent);
    auto listed = h.host->registered_validators();
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_FALSE(listed[0].loaded);
    EXPECT_EQ(listed[0].unload_reason, hr::RPC_S_SERVER_UNAVAILABLE);
    // Unloaded: not called, not re-created, answered at once.
    Collector c2;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c2.handler()), hr::S_OK);
    ASSERT_TRUE(c2.done());
    EXPECT_EQ(c2.outcome(kShvA).kind, OutcomeKind::Unavailable);
    EXPECT_EQ(c2.outcome(kShvB).kind, OutcomeKind::Responded);
    EXPECT_EQ(shv.created.load(), 2);
    // Unregister and register again: loaded.
    ASSERT_EQ(h.host->unregister_validator(kShvA), hr::S_OK);
    Recreatable fixed;
    fixed.scripts = {&answer};
    ASSERT_EQ(h.host->register_validator(reg_factory(kShvA, fixed.factory())), hr::S_OK);
    Collector c3;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c3.handler()), hr::S_OK);
    ASSERT_TRUE(c3.done());
    EXPECT_EQ(c3.outcome(kShvA).kind, OutcomeKind::Responded);
}

TEST(ShvHostTest, FailedRecreationUnloadsWithTheFactoryError) {
    ManualHost h;
    Recreatable shv;
    shv.scripts = {&gone};
    shv.create_errors = {hr::S_OK, hr::E_ACCESSDENIED};
    ASSERT_EQ(h.host->register_validator(reg_factory(kShvA, shv.factory())), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Unavailable);
    EXPECT_EQ(c.outcome(kShvA).result, hr::E_ACCESSDENIED);
    EXPECT_FALSE(h.host->registered_validators()[0].loaded);
    EXPECT_EQ(h.host->registered_validators()[0].unload_reason, hr::E_ACCESSDENIED);
}

TEST(ShvHostTest, ServerUnavailableThroughOnCompleteAlsoRecreates) {
    ManualHost h;
    Recreatable shv;
    std::vector<std::pair<std::shared_ptr<ValidationRequest>, std::shared_ptr<ServerCallback>>>
        held;
    std::mutex held_mu;
    shv.scripts = {[&](const std::shared_ptr<ValidationRequest>& r,
                       const std::shared_ptr<ServerCallback>& cb) {
                       std::lock_guard lock(held_mu);
                       held.emplace_back(r, cb);
                       return hr::E_PENDING;
                   },
                   &answer};
    ASSERT_EQ(h.host->register_validator(reg_factory(kShvA, shv.factory())), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_EQ(held.size(), 1u);
    EXPECT_EQ(held[0].second->on_complete(*held[0].first, hr::RPC_S_SERVER_UNAVAILABLE), hr::S_OK);
    EXPECT_EQ(held[0].second->on_complete(*held[0].first, hr::S_OK), hr::NAP_E_NOT_PENDING)
        << "the gone instance's request is no longer pending";
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_TRUE(c.outcome(kShvA).recreated);
    EXPECT_EQ(shv.created.load(), 2);
}

TEST(ShvHostTest, ConcurrentServerUnavailableRecreatesOnlyOnce) {
    ManualHost h;
    Recreatable shv;
    std::vector<std::pair<std::shared_ptr<ValidationRequest>, std::shared_ptr<ServerCallback>>>
        held;
    std::mutex held_mu;
    shv.scripts = {[&](const std::shared_ptr<ValidationRequest>& r,
                       const std::shared_ptr<ServerCallback>& cb) {
                       std::lock_guard lock(held_mu);
                       held.emplace_back(r, cb);
                       return hr::E_PENDING;
                   },
                   &answer};
    ASSERT_EQ(h.host->register_validator(reg_factory(kShvA, shv.factory())), hr::S_OK);
    Collector c1, c2;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c1.handler()), hr::S_OK);
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c2.handler()), hr::S_OK);
    ASSERT_EQ(held.size(), 2u);
    std::thread t1(
        [&] { held[0].second->on_complete(*held[0].first, hr::RPC_S_SERVER_UNAVAILABLE); });
    std::thread t2(
        [&] { held[1].second->on_complete(*held[1].first, hr::RPC_S_SERVER_UNAVAILABLE); });
    t1.join();
    t2.join();
    ASSERT_TRUE(c1.wait());
    ASSERT_TRUE(c2.wait());
    EXPECT_EQ(shv.created.load(), 2) << "both retries use the one re-created instance";
    EXPECT_EQ(c1.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_EQ(c2.outcome(kShvA).kind, OutcomeKind::Responded);
}

// ---- unregistering while pending ---------------------------------------------------------------

TEST(ShvHostTest, UnregisterWhilePendingDiscardsTheValidation) {
    ManualHost h;
    auto a = pending_shv();
    std::weak_ptr<FnShv> weak = a;
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    auto req = a->requests[0];
    auto cb = a->callbacks[0];
    a.reset();
    EXPECT_EQ(h.host->unregister_validator(kShvA), hr::S_OK);
    ASSERT_TRUE(c.wait());
    const ShvOutcome& o = c.outcome(kShvA);
    EXPECT_EQ(o.kind, OutcomeKind::Discarded);
    EXPECT_EQ(o.verdict, Verdict::None);
    EXPECT_TRUE(o.response.attributes.empty());
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Responded);
    // The SHV completes later: discarded.
    EXPECT_EQ(req->set_soh_response(codes_response(kShvA, {0})), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(cb->on_complete(*req, hr::S_OK), hr::NAP_E_NOT_PENDING);
    EXPECT_TRUE(weak.expired()) << "the host no longer holds the SHV";
    EXPECT_EQ(c.calls(), 1);
    EXPECT_EQ(h.host->registered_validators().size(), 1u);
}

TEST(ShvHostTest, UnregisterWhileQueuedForAWorkerDiscardsWithoutCalling) {
    ManualHost h(opts([&](ShvHostOptions& o) { o.worker_threads = 1; }));
    std::promise<void> release;
    auto released = release.get_future().share();
    auto blocker = std::make_shared<FnShv>(
        [released](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
            released.wait();
            return r->set_soh_response(codes_response(r->shv_id(), {0}));
        });
    auto queued = sync_shv(0);
    ASSERT_EQ(h.host->register_validator(reg(kShvA, blocker, CallMode::Pool)), hr::S_OK);
    ASSERT_EQ(h.host->register_validator(reg(kShvB, queued, CallMode::Pool)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({})), c.handler()), hr::S_OK);
    ASSERT_TRUE(eventually([&] { return blocker->calls.load() == 1; }));
    EXPECT_EQ(h.host->unregister_validator(kShvB), hr::S_OK);
    release.set_value();
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Discarded);
    EXPECT_EQ(queued->calls.load(), 0);
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
}

// ---- back-pressure, allocation failure, shutdown -----------------------------------------------

TEST(ShvHostTest, TooManyValidationsInFlightAreRefused) {
    ManualHost h(opts([&](ShvHostOptions& o) { o.max_in_flight = 2; }));
    ASSERT_EQ(h.host->register_validator(reg(kShvA, pending_shv())), hr::S_OK);
    Collector c1, c2, c3;
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), c1.handler()), hr::S_OK);
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), c2.handler()), hr::S_OK);
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), c3.handler()), hr::NAP_E_TOO_MANY_CALLS);
    EXPECT_EQ(h.host->in_flight(), 2u);
    h.clock->advance(2000ms);
    ASSERT_TRUE(c1.wait());
    ASSERT_TRUE(c2.wait());
    EXPECT_FALSE(c3.done()) << "a refused validation's handler is never called";
    EXPECT_TRUE(eventually([&] { return h.host->in_flight() == 0; }));
    Collector c4;
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), c4.handler()), hr::S_OK);
    h.clock->advance(2000ms);
    EXPECT_TRUE(c4.wait());
}

TEST(ShvHostTest, AllocationFailureAndMissingHandler) {
    bool fail = false;
    ShvHostOptions o;
    o.fail_allocation = [&](std::string_view site) { return fail && site == "validation"; };
    ManualHost h(std::move(o));
    ASSERT_EQ(h.host->register_validator(reg(kShvA, sync_shv(0))), hr::S_OK);
    fail = true;
    Collector c;
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), c.handler()), hr::E_OUTOFMEMORY);
    EXPECT_FALSE(c.done());
    EXPECT_EQ(h.host->in_flight(), 0u);
    fail = false;
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), CompletionHandler{}), hr::E_INVALIDARG);
}

TEST(ShvHostTest, ShutdownCompletesPendingValidationsAsDiscarded) {
    auto clock = std::make_shared<ManualScheduler>();
    auto a = pending_shv();
    Collector c;
    {
        ShvHost host(opts([&](ShvHostOptions& o) { o.scheduler = clock; }));
        ASSERT_EQ(host.register_validator(reg(kShvA, a)), hr::S_OK);
        ASSERT_EQ(host.register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
        ASSERT_EQ(host.validate(input_of(ssoh({})), c.handler()), hr::S_OK);
        EXPECT_FALSE(c.done());
    }
    ASSERT_TRUE(c.done()) << "completed by the destructor";
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Discarded);
    EXPECT_EQ(c.outcome(kShvA).result, kHostShutDown);
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Responded);
    // The SHV answers after the host is gone.
    EXPECT_EQ(a->callbacks[0]->on_complete(*a->requests[0], hr::S_OK), hr::NAP_E_NOT_PENDING);
    clock->advance(1h);  // the dropped deadline does nothing
    EXPECT_EQ(c.calls(), 1);
}

TEST(ShvHostTest, AThrowingCompletionHandlerDoesNotHurtTheHost) {
    ManualHost h;
    ASSERT_EQ(h.host->register_validator(reg(kShvA, sync_shv(0))), hr::S_OK);
    EXPECT_EQ(h.host->validate(input_of(ssoh({})),
                               [](ValidationResult&&) { throw std::runtime_error("handler"); }),
              hr::S_OK);
    EXPECT_EQ(h.host->in_flight(), 0u);
    Collector c;
    EXPECT_EQ(h.host->validate(input_of(ssoh({})), c.handler()), hr::S_OK);
    EXPECT_TRUE(c.done());
}

TEST(ShvHostTest, ThePoolRunsShvsConcurrently) {
    ShvHost host(opts([&](ShvHostOptions& o) { o.worker_threads = 2; }));
    std::atomic<int> inside{0};
    std::atomic<int> max_inside{0};
    auto body = [&](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
        const int n = inside.fetch_add(1) + 1;
        int m = max_inside.load();
        while (n > m && !max_inside.compare_exchange_weak(m, n)) {
        }
        // Wait until the other SHV is inside too (bounded).
        eventually([&] { return max_inside.load() >= 2; }, 2000ms);
        inside.fetch_sub(1);
        return r->set_soh_response(codes_response(r->shv_id(), {0}));
    };
    ASSERT_EQ(host.register_validator(reg(kShvA, std::make_shared<FnShv>(body), CallMode::Pool)),
              hr::S_OK);
    ASSERT_EQ(host.register_validator(reg(kShvB, std::make_shared<FnShv>(body), CallMode::Pool)),
              hr::S_OK);
    Collector c;
    ASSERT_EQ(host.validate(input_of(ssoh({})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(max_inside.load(), 2);
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Responded);
    EXPECT_NE(c.thread(), std::this_thread::get_id());
}

}  // namespace
}  // namespace opennap::server::test
