/*
 * Minimal Cortex-M4 startup for the size image (firmware.sh): a vector table with the initial
 * stack pointer and the reset handler, which copies .data from flash, zeroes .bss and calls
 * main. Not a board support package: the image is linked to be measured, not flashed.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);

void Reset_Handler(void);
void Default_Handler(void);

void Reset_Handler(void) {
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    (void)main();
    for (;;) {
    }
}

void Default_Handler(void) {
    for (;;) {
    }
}

/* Initial SP, reset, NMI, HardFault: enough for the measurement. */
__attribute__((section(".isr_vector"), used)) void (*const vectors[4])(void) = {
    (void (*)(void))&_estack, Reset_Handler, Default_Handler, Default_Handler,
};
