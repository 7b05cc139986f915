/**
 * @file Label markup and text measurement: sub/superscript parsing, escaping, SVG output and widths
 * from the DejaVu Sans advance table (exact: widths are sums of table entries).
 */
import { describe, expect, it } from "vitest";
import { escapeMarkup, parseMarkup, plainText, svgText, textWidth, wrapText } from "../../src/plot/text.js";

describe("label markup", () => {
  it("parses word subscripts, braced scripts and signed superscripts", () => {
    expect(parseMarkup("λ_max (Lanczos)")).toEqual([
      { text: "λ", shift: "none" },
      { text: "max", shift: "sub" },
      { text: " (Lanczos)", shift: "none" },
    ]);
    expect(plainText("s_{k,i}")).toBe("sk,i");
    expect(parseMarkup("10^-5")[1]).toEqual({ text: "-5", shift: "super" });
    expect(plainText("2/η")).toBe("2/η");
  });

  it("keeps a lone or escaped underscore literal", () => {
    expect(plainText("a _ b")).toBe("a _ b");
    expect(plainText(escapeMarkup("run_1^2"))).toBe("run_1^2");
  });

  it("writes sub/superscripts as shifted tspans and escapes XML", () => {
    const svg = svgText("σ_1 <&>", 0, 0, 10);
    expect(svg).toContain('<tspan dy="2.8" font-size="7.2">1</tspan>');
    expect(svg).toContain("&lt;&amp;&gt;");
    expect(svgText("plain", 1, 2, 10)).toBe('<text x="1" y="2" font-size="10">plain</text>');
  });

  it("stacks a superscript over the subscript before it (‖x‖_F^2)", () => {
    const svg = svgText("‖x‖_F^2", 0, 0, 10);
    expect(svg).toMatch(/<tspan dx="-[\d.]+" dy="-7" font-size="7.2">2<\/tspan>/);
    // The pair is as wide as its wider member: "2" (1303 units) beats "F" (1178 units).
    expect(textWidth("‖x‖_F^2", 10)).toBeCloseTo(textWidth("‖x‖_2", 10), 12);
  });

  it("measures with DejaVu Sans advances (1/2048 em)", () => {
    expect(textWidth("A", 2048)).toBe(1401);
    expect(textWidth("0", 2048)).toBe(1303);
    expect(textWidth("σ", 2048)).toBe(1298);
  });

  it("wraps at spaces outside braces", () => {
    const lines = wrapText("aaaa bbbb s_{k, i} cccc", 10, textWidth("aaaa bbbb", 10) + 1);
    expect(lines).toEqual(["aaaa bbbb", "s_{k, i} cccc"]);
  });
});
