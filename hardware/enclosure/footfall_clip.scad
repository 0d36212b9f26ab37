// footfall clip enclosure: a closed box for the electronics with a spring clip on its back,
// for a waistband (at the small of the back) or a shoe's laces. Parametric: pick `board`,
// adjust the dimensions below, render with `openscad -o clip.stl footfall_clip.scad`
// (add -D 'part="lid"' for the lid). Print in PETG (the clip must flex), 0.2 mm layers,
// clip tongue flat on the bed, box open side up: the box floor stands clip_gap above the
// bed beside the tongue, so enable supports touching the build plate (they come off the
// smooth floor easily). The lid prints flat, lip up.

part = "both";          // "box", "lid" or "both" (laid out side by side)
board = "xiao";         // "xiao": XIAO ESP32S3 + LSM6DSO breakout + LiPo; "m5stickc_plus2"

// --- contents (mm). XIAO ESP32S3: 21 x 17.8, 3.5 high with the shield can; LSM6DSO(X)
// STEMMA breakout 25.4 x 17.8 x 2.6; LiPo 402030 (200 mAh) 30 x 20 x 4 plus its PCM;
// 10 mm coin motor glued under the lid. M5StickC Plus2: 48 x 24 x 13.5 (buttons stand proud).
xiao = [21.0, 17.8, 3.5];
imu = [25.4, 17.8, 2.6];
battery = [32.0, 20.5, 4.5];
motor_d = 10.0;
motor_h = 2.7;
m5 = [48.5, 24.5, 14.0];

// --- shell and clip
wall = 1.6;             // 4 perimeters of a 0.4 mm nozzle
corner_r = 2.0;
clearance = 0.3;        // around the contents and between box and lid
lid_t = 1.4;
lip_h = 2.0;            // lid lip that plugs into the box
clip_t = 2.2;           // tongue thickness: thinner = softer spring
clip_w = 14.0;
clip_gap = 2.5;         // waistband / laces thickness the clip closes on (it opens wider)
clip_len_frac = 0.85;   // tongue length as a fraction of the box length
bump_h = 1.0;           // catch at the tongue's free end
usb_w = 10.0;           // USB-C cutout in the end wall
usb_h = 4.0;

$fn = 48;

function inner_dims() =
    board == "m5stickc_plus2"
        ? m5
        : [max(battery[0], xiao[0] + imu[0] + 2) + 2 * clearance,
           max(battery[1], xiao[1], imu[1]) + 2 * clearance,
           battery[2] + max(xiao[2], imu[2]) + motor_h + 2 * clearance];

inner = inner_dims();
outer = [inner[0] + 2 * wall, inner[1] + 2 * wall, inner[2] + wall];

module rounded_box(size, r) {
    hull() for (x = [r, size[0] - r], y = [r, size[1] - r])
        translate([x, y, 0]) cylinder(r = r, h = size[2]);
}

module clip() {
    // Tongue rooted at the top end of the back (z = 0 face), running towards the bottom
    // with clip_gap under it; a bump at its free end holds the band.
    len = outer[0] * clip_len_frac;
    y0 = (outer[1] - clip_w) / 2;
    translate([outer[0] - 6, y0, -clip_gap - clip_t]) cube([6, clip_w, clip_gap + clip_t]);
    translate([outer[0] - len, y0, -clip_gap - clip_t]) cube([len, clip_w, clip_t]);
    translate([outer[0] - len, y0, -clip_gap]) cube([2, clip_w, bump_h]);
}

module box() {
    difference() {
        rounded_box(outer, corner_r);
        translate([wall, wall, wall]) rounded_box([inner[0], inner[1], inner[2] + 1], corner_r / 2);
        // USB-C at the bottom end (x = 0), level with the XIAO / the Stick's own port
        translate([-1, (outer[1] - usb_w) / 2, wall + inner[2] - usb_h - motor_h])
            cube([wall + 2, usb_w, usb_h]);
        if (board == "m5stickc_plus2")  // side slots for button B and the power button
            for (y = [-1, outer[1] - wall - 1])
                translate([outer[0] - wall - 22, y, outer[2] - 8]) cube([14, wall + 2, 9]);
    }
    clip();
}

module lid() {
    difference() {
        rounded_box([outer[0], outer[1], lid_t], corner_r);
        if (board == "m5stickc_plus2")  // window over the Stick's screen and button A
            translate([wall + 6, wall + 3, -1]) cube([inner[0] - 12, inner[1] - 6, lid_t + 2]);
    }
    translate([wall + clearance, wall + clearance, lid_t])
        difference() {
            rounded_box([inner[0] - 2 * clearance, inner[1] - 2 * clearance, lip_h], corner_r / 2);
            translate([1.2, 1.2, -1])
                rounded_box([inner[0] - 2 * clearance - 2.4, inner[1] - 2 * clearance - 2.4,
                             lip_h + 2], corner_r / 2);
        }
    if (board == "xiao")  // a ring locating the coin motor against the lid
        translate([outer[0] / 2, outer[1] / 2, lid_t])
            difference() {
                cylinder(d = motor_d + 2.4, h = motor_h);
                translate([0, 0, -1]) cylinder(d = motor_d + 0.4, h = motor_h + 2);
            }
}

if (part == "box" || part == "both") box();
if (part == "lid" || part == "both") translate([0, outer[1] + 8, 0]) lid();
echo(str("footfall_clip outer size (mm): ", outer, " + clip ", clip_gap + clip_t));
