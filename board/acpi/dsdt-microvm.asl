/*
 * DSDT of the microvm board: no PCI, ISA devices straight under \_SB.
 * virtio-mmio slots are described by the board's device tree, not here.
 */
DefinitionBlock ("", "DSDT", 2, "BOCHS ", "BXPC    ", 0x00000001)
{
    /*
     * S5 soft-off: SLP_TYP 5, written with SLP_EN to the FADT's sleep
     * control register (the acpi-ged block, hardware-reduced ACPI as QEMU's
     * microvm)
     */
    Name (_S5, Package (0x04)
    {
        0x05,
        Zero,
        Zero,
        Zero
    })

    Scope (\_SB)
    {
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_STA, 0x0F)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08,)
                IRQNoFlags () {4}
            })
        }

        Device (RTC)
        {
            Name (_HID, EisaId ("PNP0B00"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0070, 0x0070, 0x01, 0x08,)
                IRQNoFlags () {8}
            })
        }

        Device (FWCF)
        {
            Name (_HID, "QEMU0002")
            Name (_STA, 0x0B)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C,)
            })
        }
    }
}
