/** The bundle's entry point. */
import { main } from "./cli.ts";

void main();
