set terminal pngcairo noenhanced size 1000,700
set output 'val_accuracy.png'
set title 'wrn: each optimizer at its best rate'
set xlabel 'epoch'
set ylabel 'validation accuracy (%)'
set key outside right
set grid
set xtics 1
plot 'curve_00.dat' using 1:($3*100) with linespoints title 'd1_06 (lr 0.948683)'

unset output
