package dev.meerkat.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.boot.BootStateMachine.Event;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BootStateMachineTest {

    @Test
    void tableIsAFunction() {
        Set<String> keys = new HashSet<>();
        for (BootStateMachine.Transition t : BootStateMachine.TABLE) {
            assertThat(keys.add(t.from() + "/" + t.event())).as("duplicate %s", t).isTrue();
            assertThat(t.from()).isNotEqualTo(BootPhase.RECOVERY);
        }
    }

    @Test
    void updatesOnlyBecomeCommittedThroughATestBoot() {
        assertThat(BootStateMachine.transition(BootPhase.COMMITTED, Event.INSTALL).to())
                .isEqualTo(BootPhase.PENDING);
        assertThat(BootStateMachine.transition(BootPhase.PENDING, Event.BOOT_VALID).to())
                .isEqualTo(BootPhase.TESTING);
        assertThat(BootStateMachine.transition(BootPhase.TESTING, Event.COMMIT).to())
                .isEqualTo(BootPhase.COMMITTED);
        assertThat(BootStateMachine.find(BootPhase.PENDING, Event.COMMIT)).isEmpty();
        assertThat(BootStateMachine.transition(BootPhase.TESTING, Event.RESET_IN_TEST).to())
                .isEqualTo(BootPhase.COMMITTED);
    }

    @Test
    void illegalTransitionsAreRefused() {
        assertThatThrownBy(() -> BootStateMachine.transition(BootPhase.PENDING, Event.COMMIT))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> BootStateMachine.transition(BootPhase.TESTING, Event.INSTALL))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> BootStateMachine.transition(BootPhase.COMMITTED, Event.REVERT))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void documentationShowsTheSameDiagram() throws Exception {
        java.nio.file.Path doc = java.nio.file.Path.of("..", "docs", "bootloader.md");
        String text = java.nio.file.Files.readString(doc);
        for (String line : BootStateMachine.mermaid().split("\n")) {
            assertThat(text).as("docs/bootloader.md diagram").contains(line);
        }
    }

    @Test
    void mermaidDiagramListsEveryTransition() {
        String m = BootStateMachine.mermaid();
        for (BootStateMachine.Transition t : BootStateMachine.TABLE) {
            assertThat(m).contains(t.from() + " --> " + t.to() + " : " + t.event());
        }
    }
}
