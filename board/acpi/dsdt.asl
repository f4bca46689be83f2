/*
 * DSDT of the pc board (i440fx + PIIX3/PIIX4), compiled by iasl at build time
 * (board/acpi/module.mk) and embedded into libboard.
 *
 * board/acpi.c patches one value before it hands the table out: the integer
 * of Name (PHST), the start of the 32-bit PCI memory window (the end of RAM
 * below 4 GiB). Keep PHST a DWordConst (a value above 0xFFFF) so the
 * patcher finds "Name PHST DWordPrefix".
 *
 * PCI interrupt routing follows the PIIX swizzle: INTx (0 = A) of slot S
 * goes to PIRQ (S + x - 1) & 3, i.e. link LNKA..LNKD, whose IRQ is the PIIX3
 * PIRQ route register 0x60..0x63 of the ISA bridge at 00:01.0 (bit 7 set =
 * routing disabled). The PIIX4 power-management function (00:01.3, INTA)
 * uses the SCI, link LNKS.
 */
DefinitionBlock ("", "DSDT", 2, "BOCHS ", "BXPC    ", 0x00000001)
{
    /* Start of the 32-bit PCI window; patched by board/acpi.c */
    Name (PHST, 0xE0000000)

    /* S5 soft-off: PIIX4 PM1a_CNT.SLP_TYP 0, as QEMU's PIIX4 expects */
    Name (_S5, Package (0x04)
    {
        Zero,
        Zero,
        Zero,
        Zero
    })

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)

            Name (CRS0, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,,)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,,,, TypeStatic, DenseTranslation)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,,, TypeStatic, DenseTranslation)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000,,,,
                    AddressRangeMemory, TypeStatic)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000,,, PW32,
                    AddressRangeMemory, TypeStatic)
            })

            /* The 32-bit window runs from PHST up to the IOAPIC */
            Method (_CRS, 0, Serialized)
            {
                CreateDWordField (CRS0, \_SB.PCI0.PW32._MIN, PMIN)
                CreateDWordField (CRS0, \_SB.PCI0.PW32._LEN, PLEN)
                PMIN = PHST
                PLEN = (0xFEC00000 - PHST)
                Return (CRS0)
            }

            /* _PRT: 32 slots x 4 pins, built by a loop as the table is regular */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x80) {}
                Local1 = Zero
                While ((Local1 < 0x80))
                {
                    Local2 = (Local1 >> 0x02)               /* slot */
                    Local3 = ((Local2 + Local1 + 0x03) & 0x03) /* (slot + pin - 1) & 3 */
                    If ((Local1 == 0x04))
                    {
                        Local4 = Package (0x04) { Zero, Zero, LNKS, Zero }
                    }
                    ElseIf ((Local3 == Zero))
                    {
                        Local4 = Package (0x04) { Zero, Zero, LNKA, Zero }
                    }
                    ElseIf ((Local3 == One))
                    {
                        Local4 = Package (0x04) { Zero, Zero, LNKB, Zero }
                    }
                    ElseIf ((Local3 == 0x02))
                    {
                        Local4 = Package (0x04) { Zero, Zero, LNKC, Zero }
                    }
                    Else
                    {
                        Local4 = Package (0x04) { Zero, Zero, LNKD, Zero }
                    }
                    Local4 [Zero] = ((Local2 << 0x10) | 0xFFFF)
                    Local4 [One] = (Local1 & 0x03)
                    Local0 [Local1] = Local4
                    Local1++
                }
                Return (Local0)
            }

            /* PIIX3 ISA bridge */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)
                Field (PIRQ, ByteAcc, NoLock, Preserve)
                {
                    PRQA,   8,
                    PRQB,   8,
                    PRQC,   8,
                    PRQD,   8
                }

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02,)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02,)
                        IRQNoFlags () {2}
                    })
                }

                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04,)
                        IRQNoFlags () {0}
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

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01,)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01,)
                        IRQNoFlags () {1}
                    })
                }

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
            }

            /* fw_cfg, so an OS can see the ports in use */
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

        /* Link helpers: a PIRQ register value to _STA / _CRS */
        Method (LSTA, 1, NotSerialized)
        {
            If ((Arg0 & 0x80))
            {
                Return (0x09)
            }
            Return (0x0B)
        }

        Method (LCRS, 1, Serialized)
        {
            Name (RTPL, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,, LIRQ) {0}
            })
            CreateDWordField (RTPL, \_SB.LCRS.LIRQ._INT, IRQN)
            If (!(Arg0 & 0x80))
            {
                IRQN = (Arg0 & 0x0F)
            }
            Return (RTPL)
        }

        /* IRQ number from an _SRS argument (the first interrupt of the descriptor) */
        Method (LSRS, 1, NotSerialized)
        {
            CreateDWordField (Arg0, 0x05, IRQW)
            Return ((IRQW & 0x0F))
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, Zero)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) {5, 10, 11}
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQA)) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQA)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQA = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQA |= 0x80 }
        }

        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, One)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) {5, 10, 11}
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQB)) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQB)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQB = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQB |= 0x80 }
        }

        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x02)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) {5, 10, 11}
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQC)) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQC)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQC = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQC |= 0x80 }
        }

        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x03)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) {5, 10, 11}
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQD)) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQD)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQD = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQD |= 0x80 }
        }

        /* The SCI: PIIX4 PM function interrupt, fixed at IRQ 9 */
        Device (LNKS)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 0x04)
            Name (_STA, 0x0B)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) {9}
            })
            Name (_CRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) {9}
            })
            Method (_SRS, 1, NotSerialized) { }
            Method (_DIS, 0, NotSerialized) { }
        }
    }
}
