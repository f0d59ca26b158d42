package dev.postroom.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The dependency rules of the house plan (docs/architecture.md). Rules about packages that have no code yet pass
 * vacuously and start to bite when the code arrives.
 */
@AnalyzeClasses(packages = "dev.postroom", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule mailIsPlainJava = classes().that().resideInAPackage("dev.postroom.mail..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.postroom.mail..", "java..")
            .because("the domain records are free of any framework")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule syncKnowsNoProviderAdapter = noClasses().that().resideInAPackage("dev.postroom.sync..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.postroom.provider.graph..", "dev.postroom.provider.imap..")
            .because("the sync engine works with any mail provider through the provider port")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule providerPortKnowsNoAdapter = noClasses().that().resideInAPackage("dev.postroom.provider")
            .should().dependOnClassesThat().resideInAnyPackage("dev.postroom.provider.graph..", "dev.postroom.provider.imap..")
            .because("adapters plug into the port, not the other way round")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule accountsKnowNoProviderAdapter = noClasses().that().resideInAPackage("dev.postroom.account..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.postroom.provider.graph..", "dev.postroom.provider.imap..")
            .because("linking and tokens work with any OAuth mail provider through the provider port")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule providersKnowNoAccounts = noClasses().that().resideInAPackage("dev.postroom.provider..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.postroom.account..", "dev.postroom.web..")
            .because("providers speak the provider's protocol; users, vault and pages are the caller's business")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule adaptersAreIndependent = noClasses().that().resideInAPackage("dev.postroom.provider.graph..")
            .should().dependOnClassesThat().resideInAPackage("dev.postroom.provider.imap..")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule nothingDependsOnTheSimulator = noClasses().that().resideOutsideOfPackage("dev.postroom.simulator..")
            .should().dependOnClassesThat().resideInAPackage("dev.postroom.simulator..")
            .because("the Outlook simulator stands in for Microsoft's servers and is reached over HTTP only")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule outboundStandsAlone = noClasses().that().resideInAPackage("dev.postroom.outbound..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "dev.postroom.sync..", "dev.postroom.search..", "dev.postroom.provider..", "dev.postroom.web..")
            .because("sending mail works without the mailbox mirror")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule searchKnowsOnlyTheDomain = noClasses().that().resideInAPackage("dev.postroom.search..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.postroom.sync..", "dev.postroom.provider..",
                    "dev.postroom.account..", "dev.postroom.outbound..", "dev.postroom.web..")
            .because("the mirror's indices store and find mail records; sync and the web call them, never the reverse")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule eventsKnowOnlyRedis = noClasses().that().resideInAPackage("dev.postroom.events..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.postroom.account..", "dev.postroom.outbound..",
                    "dev.postroom.sync..", "dev.postroom.search..", "dev.postroom.provider..", "dev.postroom.web..")
            .because("live events carry JSON between producers (outbound, sync) and the pages; they know neither")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule onlyWebServesPages = noClasses().that()
            .resideOutsideOfPackages("dev.postroom.web..", "dev.postroom.simulator..")
            .should().dependOnClassesThat().resideInAPackage("io.quarkus.qute..")
            .because("pages are the web package's job; the Outlook simulator, a stand-in for Microsoft's servers, "
                    + "serves its own sign-in and mailbox pages")
            .allowEmptyShould(true);
}
