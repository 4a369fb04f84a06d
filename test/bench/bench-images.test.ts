import { describe, expect, it } from "vitest";
import { debianMirror } from "../../bench/bench-images.ts";

const deb822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

describe("debianMirror", () => {
  it("takes the mirror serving the suite from a deb822 .sources file", () => {
    expect(debianMirror([{ name: "debian.sources", text: deb822 }])).toBe("http://deb.debian.org/debian");
    expect(debianMirror([{ name: "debian.sources", text: deb822 }], "bookworm-security")).toBe("http://deb.debian.org/debian-security");
  });

  it("skips disabled stanzas, deb-src, other suites and disabled files", () => {
    const files = [
      { name: "nodesource.sources.disabled-by-farm", text: "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: bookworm\n" },
      { name: "a.sources", text: "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n" },
      { name: "b.sources", text: "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\n" },
      { name: "sources.list", text: "# deb http://commented.example/debian bookworm main\ndeb [signed-by=/k.gpg] http://list.example/debian bookworm main\n" },
    ];
    expect(debianMirror(files)).toBe("http://list.example/debian");
    expect(debianMirror(files.slice(0, 3))).toBeNull();
  });
});
