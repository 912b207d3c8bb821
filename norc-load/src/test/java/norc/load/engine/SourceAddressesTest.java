package norc.load.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceAddressesTest {
    private static List<String> text(List<InetAddress> addresses) {
        return addresses.stream().map(InetAddress::getHostAddress).toList();
    }

    @Test
    void parsesRangesAndLists() {
        assertThat(text(SourceAddresses.parse("127.0.0.2-127.0.0.5")))
                .containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5");
        assertThat(text(SourceAddresses.parse("127.0.0.9, 127.0.1.1-127.0.1.2")))
                .containsExactly("127.0.0.9", "127.0.1.1", "127.0.1.2");
    }

    @Test
    void refusesNamesBackwardRangesAndRangesOverSeveralOctets() {
        assertThatThrownBy(() -> SourceAddresses.parse("localhost")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourceAddresses.parse("127.0.0.9-127.0.0.2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourceAddresses.parse("127.0.0.2-127.0.1.2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourceAddresses.parse(" , ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotatesThroughTheAddressesInTurn() {
        SourceAddresses sources = new SourceAddresses(SourceAddresses.parse("127.0.0.2-127.0.0.4"));
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picked.add(sources.next().getHostAddress());
        }
        assertThat(picked).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.2", "127.0.0.3",
                "127.0.0.4", "127.0.0.2");
        assertThat(SourceAddresses.kernelChoice().next()).isNull();
    }

    @Test
    void capacityIsPortsTimesAddresses() {
        assertThat(new SourceAddresses(SourceAddresses.parse("127.0.0.2-127.0.0.9")).capacity(28_232))
                .isEqualTo(8 * 28_232L);
        assertThat(SourceAddresses.kernelChoice().capacity(28_232)).isEqualTo(28_232L);
        assertThat(SourceAddresses.portsPerAddress()).isPositive();
    }

    @Test
    void dealsOwnAddressesToWorkersWhenThereAreEnough() {
        List<InetAddress> eight = SourceAddresses.parse("127.0.0.2-127.0.0.9");
        List<List<InetAddress>> dealt = SourceAddresses.deal(eight, 3);
        assertThat(text(dealt.get(0))).containsExactly("127.0.0.2", "127.0.0.5", "127.0.0.8");
        assertThat(text(dealt.get(1))).containsExactly("127.0.0.3", "127.0.0.6", "127.0.0.9");
        assertThat(text(dealt.get(2))).containsExactly("127.0.0.4", "127.0.0.7");

        List<List<InetAddress>> shared = SourceAddresses.deal(SourceAddresses.parse("127.0.0.2-127.0.0.3"), 3);
        assertThat(shared).extracting(l -> text(l).get(0)).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.2");
        assertThat(SourceAddresses.deal(List.of(), 2)).containsExactly(List.of(), List.of());
    }
}
