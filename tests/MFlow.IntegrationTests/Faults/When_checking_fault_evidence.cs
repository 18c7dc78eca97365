namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Tests of the fault tests' own checks, on recorded data, no cluster: a fault struck after every run
/// had ended is caught, and so is a terminal event that arrives twice as two events.
/// </summary>
public sealed class When_checking_fault_evidence
{
    static readonly Guid RunA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    static readonly Guid RunB = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    static readonly Dictionary<Guid, int> JobsPerRun = new() { [RunA] = 2, [RunB] = 1 };

    static readonly JobSighting[] AllDone = [new("a1", RunA, true), new("a2", RunA, true), new("b1", RunB, true)];

    [Fact]
    public void Should_fail_when_the_fault_began_after_every_run_had_ended()
    {
        var fault = new StruckFault("restart RabbitMQ", AllDone) { AtRecovery = AllDone };

        var violations = FaultEvidence.MidFlight(fault, JobsPerRun, AllDone);

        Assert.Contains(violations, v => v.Contains("every run had ended when the fault began", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("no Job was created or finished after the recovery", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_pass_when_a_run_was_in_flight_and_jobs_moved_after_the_recovery()
    {
        JobSighting[] atStart = [new("a1", RunA, true), new("b1", RunB, false)];
        JobSighting[] atRecovery = [new("a1", RunA, true), new("b1", RunB, false)];
        var fault = new StruckFault("kill the aggregator", atStart) { AtRecovery = atRecovery };

        Assert.Empty(FaultEvidence.MidFlight(fault, JobsPerRun, AllDone));
    }

    [Fact]
    public void Should_count_a_job_not_yet_created_as_work_in_flight()
    {
        // Run A has one of its two Jobs, finished: the second is still to come.
        JobSighting[] atStart = [new("a1", RunA, true), new("b1", RunB, true)];
        var fault = new StruckFault("kill the scheduler", atStart) { AtRecovery = atStart };

        Assert.Empty(FaultEvidence.MidFlight(fault, JobsPerRun, AllDone));
    }

    [Fact]
    public void Should_fail_when_no_recovery_was_recorded()
    {
        var fault = new StruckFault("kill the build worker", [new("b1", RunB, false)]);

        Assert.Contains(FaultEvidence.MidFlight(fault, JobsPerRun, AllDone), v => v.Contains("never ended", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_fail_exactly_once_when_a_duplicated_terminal_TaskUpdated_counts_twice()
    {
        // The same outcome, published twice as two messages: two events for one attempt.
        var violations = FaultEvidence.ExactlyOnce("task compile attempt 1", [(Guid.NewGuid(), "Succeeded"), (Guid.NewGuid(), "Succeeded")], "Succeeded");

        Assert.Contains("2 distinct terminal events", Assert.Single(violations), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_fail_exactly_once_when_a_copy_has_no_MessageId_to_be_recognised_by()
    {
        Assert.Single(FaultEvidence.ExactlyOnce("run r", [(null, "PipelineRunSucceeded"), (null, "PipelineRunSucceeded")], "PipelineRunSucceeded"));
    }

    [Fact]
    public void Should_count_redeliveries_of_one_message_as_one_event()
    {
        var id = Guid.NewGuid();

        Assert.Empty(FaultEvidence.ExactlyOnce("task compile attempt 1", [(id, "Succeeded"), (id, "Succeeded"), (id, "Succeeded")], "Succeeded"));
    }

    [Theory]
    [InlineData("Failed", "Succeeded")]
    [InlineData("Succeeded", "Failed")]
    public void Should_fail_exactly_once_on_a_wrong_or_a_second_outcome(string second, string expected)
    {
        var id = Guid.NewGuid();

        Assert.Single(FaultEvidence.ExactlyOnce("task t", [(id, "Succeeded"), (id, second)], expected));
    }

    [Fact]
    public void Should_fail_exactly_once_when_nothing_ended()
    {
        Assert.Single(FaultEvidence.ExactlyOnce("run r", [], "PipelineRunSucceeded"));
    }
}
