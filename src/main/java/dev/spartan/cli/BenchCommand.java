package dev.spartan.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (see README).")
public final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("bench: not built yet");
        return 0;
    }
}
