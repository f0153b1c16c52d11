package dev.spartan;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Date;

/**
 * The layers of README's "Design in one page", checked on the compiled production classes: an import only points
 * down, the packages form no cycle, and the client sees only what it shares with the server.
 */
@AnalyzeClasses(
        packages = "dev.spartan",
        importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NotGenerated.class})
class ArchitectureTest {
    /**
     * The protobuf classes are generated, depend on nothing of ours, and are as many as all the rest: the rules see
     * them as the targets of our imports without reading them.
     */
    static final class NotGenerated implements ImportOption {
        @Override
        public boolean includes(com.tngtech.archunit.core.importer.Location location) {
            return !location.contains("/dev/spartan/proto/");
        }
    }

    private static final String[] BASE = {
        "dev.spartan.store..",
        "dev.spartan.cache..",
        "dev.spartan.redis..",
        "dev.spartan.config..",
        "dev.spartan.crypto..",
        "dev.spartan.contract..",
        "dev.spartan.tls..",
        "dev.spartan.proto.."
    };

    @ArchTest
    static final ArchRule layersOnlyImportDown = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("Main")
            .definedBy("dev.spartan")
            .layer("Edge")
            .definedBy("dev.spartan.cli..", "dev.spartan.bench..", "dev.spartan.server..", "dev.spartan.ops..")
            .layer("Client")
            .definedBy("dev.spartan.client..")
            .layer("Composition")
            .definedBy("dev.spartan.backend..")
            .layer("Services")
            .definedBy(
                    "dev.spartan.auth..", "dev.spartan.ratelimit..", "dev.spartan.cluster..", "dev.spartan.delivery..")
            .layer("Rules")
            .definedBy("dev.spartan.chat..")
            .layer("Base")
            .definedBy(BASE)
            .whereLayer("Main")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("Edge")
            .mayOnlyBeAccessedByLayers("Main")
            .whereLayer("Client")
            .mayOnlyBeAccessedByLayers("Edge")
            .whereLayer("Composition")
            .mayOnlyBeAccessedByLayers("Edge")
            .whereLayer("Services")
            .mayOnlyBeAccessedByLayers("Edge", "Composition")
            .whereLayer("Rules")
            .mayOnlyBeAccessedByLayers("Edge", "Composition", "Services")
            .whereLayer("Base")
            .mayOnlyBeAccessedByLayers("Edge", "Client", "Composition", "Services", "Rules");

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("dev.spartan.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule clientSeesOnlyTheContract = classes()
            .that()
            .resideInAPackage("dev.spartan.client..")
            .should()
            .onlyDependOnClassesThat(resideOutsideOfPackage("dev.spartan..")
                    .or(resideInAnyPackage(
                            "dev.spartan.client..",
                            "dev.spartan.contract..",
                            "dev.spartan.tls..",
                            "dev.spartan.crypto..",
                            "dev.spartan.proto..")))
            .because("the client shares only the contract, crypto and wire messages with the server");

    @ArchTest
    static final ArchRule rulesNameNoTransport = noClasses()
            .that()
            .resideInAPackage("dev.spartan.chat..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.spartan.delivery..", "dev.spartan.server..", "io.grpc..")
            .because("chat throws Refusal and reaches the streams only through its InboxWatchers");

    @ArchTest
    static final ArchRule oneWallClock = noClasses()
            .that()
            .resideOutsideOfPackage("dev.spartan.cli..")
            .should()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(Clock.class, "systemUTC")
            .orShould()
            .callMethod(Clock.class, "systemDefaultZone")
            .orShould()
            .callMethod(Clock.class, "system", ZoneId.class)
            .orShould()
            .callMethod(Instant.class, "now")
            .orShould()
            .callMethod(LocalDate.class, "now")
            .orShould()
            .callMethod(LocalDateTime.class, "now")
            .orShould()
            .callMethod(OffsetDateTime.class, "now")
            .orShould()
            .callMethod(ZonedDateTime.class, "now")
            .orShould()
            .callConstructor(Date.class)
            .because(
                    "the command that starts a node or a client makes its one Clock and passes it down, so tests can set the time;"
                            + " System.nanoTime for elapsed time is fine");
}
