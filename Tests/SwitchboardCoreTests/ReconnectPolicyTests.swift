import Testing
import SwitchboardCore

@Suite("ReconnectPolicy and ReconnectBackoff")
struct ReconnectPolicyTests {
    @Test func defaultPolicyValues() {
        let policy = ReconnectPolicy.default
        #expect(policy.initialDelay == .milliseconds(500))
        #expect(policy.multiplier == 2)
        #expect(policy.maxDelay == .seconds(30))
        #expect(policy.jitter == 0.2)
        #expect(policy.maxAttempts == nil)
    }

    @Test func midpointRandomGivesExactExponentialDelays() {
        let policy = ReconnectPolicy.default
        let expected: [Duration] = [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16),
            .seconds(30), .seconds(30), .seconds(30),
        ]
        for (index, delay) in expected.enumerated() {
            #expect(policy.delay(beforeAttempt: index + 1, random: 0.5) == delay, "attempt \(index + 1)")
        }
    }

    @Test func nonPowerOfTwoMultiplier() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), multiplier: 3, maxDelay: .seconds(1), jitter: 0.5)
        let delays = (1...5).map { policy.delay(beforeAttempt: $0, random: 0.5) }
        #expect(delays == [.milliseconds(100), .milliseconds(300), .milliseconds(900), .seconds(1), .seconds(1)])
    }

    @Test func lowestRandomShortensByJitter() {
        let policy = ReconnectPolicy.default
        #expect(policy.delay(beforeAttempt: 1, random: 0) == .milliseconds(400))
        #expect(policy.delay(beforeAttempt: 2, random: 0) == .milliseconds(800))
        #expect(policy.delay(beforeAttempt: 6, random: 0) == .milliseconds(12_800))
        // At the cap the jitter still spreads downwards.
        #expect(policy.delay(beforeAttempt: 7, random: 0) == .seconds(24))
    }

    @Test func highestRandomLengthensByJitterButNeverPastMaxDelay() throws {
        let policy = ReconnectPolicy.default
        let almostOne = 0.999_999
        let first = try #require(policy.delay(beforeAttempt: 1, random: almostOne))
        #expect(first > .milliseconds(599))
        #expect(first <= .milliseconds(600))
        let fifth = try #require(policy.delay(beforeAttempt: 5, random: almostOne))  // base 8 s
        #expect(fifth > .milliseconds(9_599))
        #expect(fifth <= .milliseconds(9_600))
        // Base 16 s * 1.2 = 19.2 s; base 30 s * 1.2 would be 36 s: clamped.
        #expect(try #require(policy.delay(beforeAttempt: 6, random: almostOne)) <= .milliseconds(19_200))
        #expect(policy.delay(beforeAttempt: 7, random: almostOne) == .seconds(30))
        #expect(policy.delay(beforeAttempt: 50, random: almostOne) == .seconds(30))
    }

    @Test func everyRandomStaysWithinJitterBounds() throws {
        let policy = ReconnectPolicy.default
        for attempt in 1...10 {
            let base = try #require(policy.delay(beforeAttempt: attempt, random: 0.5))
            for step in 0..<100 {
                let random = Double(step) / 100
                let delay = try #require(policy.delay(beforeAttempt: attempt, random: random))
                #expect(delay >= base * 0.8 - .nanoseconds(1))
                #expect(delay <= min(base * 1.2 + .nanoseconds(1), .seconds(30)))
            }
        }
    }

    @Test func hugeAttemptNumbersSaturateAtMaxDelay() {
        let policy = ReconnectPolicy(initialDelay: .seconds(1), multiplier: 10, maxDelay: .seconds(60), jitter: 0)
        #expect(policy.delay(beforeAttempt: 1_000_000, random: 0.9) == .seconds(60))
        #expect(policy.delay(beforeAttempt: Int.max, random: 0.1) == .seconds(60))
    }

    @Test func zeroJitterIgnoresRandom() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(250), multiplier: 2, maxDelay: .seconds(2), jitter: 0)
        for random in [0.0, 0.3, 0.999] {
            #expect(policy.delay(beforeAttempt: 1, random: random) == .milliseconds(250))
            #expect(policy.delay(beforeAttempt: 3, random: random) == .seconds(1))
            #expect(policy.delay(beforeAttempt: 5, random: random) == .seconds(2))
        }
    }

    @Test func maxAttemptsExhausts() {
        let policy = ReconnectPolicy(maxAttempts: 3)
        #expect(policy.delay(beforeAttempt: 3, random: 0.5) == .seconds(2))
        #expect(policy.delay(beforeAttempt: 4, random: 0.5) == nil)

        var backoff = ReconnectBackoff(policy: policy)
        #expect(backoff.nextDelay(random: 0.5) == .milliseconds(500))
        #expect(backoff.nextDelay(random: 0.5) == .seconds(1))
        #expect(backoff.nextDelay(random: 0.5) == .seconds(2))
        #expect(backoff.attempts == 3)
        #expect(backoff.nextDelay(random: 0.5) == nil)
        #expect(backoff.nextDelay(random: 0.5) == nil)
        #expect(backoff.attempts == 3)
    }

    @Test func neverReconnects() {
        #expect(ReconnectPolicy.never.maxAttempts == 0)
        #expect(ReconnectPolicy.never.delay(beforeAttempt: 1, random: 0.5) == nil)
        var backoff = ReconnectBackoff(policy: .never)
        #expect(backoff.nextDelay(random: 0.5) == nil)
        #expect(backoff.nextDelay() == nil)
        #expect(backoff.attempts == 0)
    }

    @Test func resetStartsOver() {
        var backoff = ReconnectBackoff(policy: ReconnectPolicy(maxAttempts: 2))
        #expect(backoff.nextDelay(random: 0.5) == .milliseconds(500))
        #expect(backoff.nextDelay(random: 0.5) == .seconds(1))
        #expect(backoff.nextDelay(random: 0.5) == nil)
        backoff.reset()
        #expect(backoff.attempts == 0)
        #expect(backoff.nextDelay(random: 0.5) == .milliseconds(500))
        #expect(backoff.attempts == 1)
    }

    @Test func systemRandomDelayIsWithinBounds() throws {
        var backoff = ReconnectBackoff(policy: .default)
        for attempt in 1...8 {
            let next = backoff.nextDelay()
            let delay = try #require(next)
            let base = try #require(ReconnectPolicy.default.delay(beforeAttempt: attempt, random: 0.5))
            #expect(delay >= base * 0.8 - .nanoseconds(1))
            #expect(delay <= .seconds(30))
        }
        #expect(backoff.attempts == 8)
    }
}
